import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../support/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { BODY_LIMIT_BYTES: '2048' } });
});
afterAll(() => app?.close());

describe('health and docs', () => {
  it('answers /healthz and /readyz with the backend it runs on', async () => {
    expect((await app.api('GET', '/healthz', undefined, null)).status).toBe(200);
    const ready = await app.api('GET', '/readyz', undefined, null);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', database: 'ok' });
    expect(ready.body.jobs).toBe(app.backend === 'postgres' ? 'bullmq:ok' : 'in-process:ok');
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const res = await app.api('GET', '/openapi.json', undefined, null);
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/v1/units', '/v1/payees/{id}', '/v1/api-keys']),
    );
    expect(res.body.components.schemas.CreatePayee.properties.bankBin).toBeDefined();
  });

  it('serves /docs with its assets from this server (no internet needed)', async () => {
    const page = await fetch(`${app.url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const asset of html.match(/\/docs\/assets\/[\w.-]+/g) ?? []) {
      expect((await fetch(app.url + asset)).status, asset).toBe(200);
    }
    expect(html).toContain('/docs/assets/swagger-ui-bundle.js');
  });
});

describe('errors', () => {
  it('404 for an unknown route, in the JSON envelope', async () => {
    const res = await app.api('GET', '/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });

  it('405 with Allow for a known path and the wrong method', async () => {
    const res = await app.api('DELETE', '/v1/units/ABC');
    expect(res.status).toBe(405);
    expect(res.body.error.code).toBe('method_not_allowed');
    expect(res.headers.get('allow')).toBe('GET');
  });

  it('401 without a key, with a bad key, and with a revoked-looking key', async () => {
    for (const key of [null, 'nope', 'cc_thisKeyDoesNotExistAnywhere1234567890']) {
      const res = await app.api('GET', '/v1/payees', undefined, key);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
  });

  it('400 malformed_json for a body that is not JSON', async () => {
    const res = await app.api('POST', '/v1/units', '{"code": ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('malformed_json');
  });

  it('400 validation_failed listing each bad field, for wrong types and unknown fields', async () => {
    const res = await app.api('POST', '/v1/units', { code: 5, name: 'x', level: 'galaxy', extra: true });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['code', 'level']));
    expect(JSON.stringify(res.body.error.details)).toContain('extra');
  });

  it('413 for a body over the limit, before it is parsed', async () => {
    const res = await app.api('POST', '/v1/units', { code: 'X', name: 'y'.repeat(5000), level: 'province' });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });
});
