import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, startTestApp, type TestApp } from '../../support/app.js';
import { postCallback, secrets, sepayCallback } from '../../support/callback-factories.js';
import { createCommune, createKey } from '../../support/factories.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: secrets, work: false });
});
afterAll(() => app?.close());

describe('queue visibility', () => {
  it('admins see job counts and the outbox backlog; others may not', async () => {
    await postCallback(app, 'sepay', sepayCallback({}));
    const res = await app.api('GET', '/v1/ops/queues');
    expect(res.status).toBe(200);
    expect(res.body.backend).toBe(backend === 'postgres' ? 'bullmq' : 'in-process');
    expect(res.body.outbox.pending).toBeGreaterThanOrEqual(1);
    expect(res.body.board).toBe(backend === 'postgres' ? '/v1/ops/queues/board' : null);
    const { commune } = await createCommune(app);
    const staff = await createKey(app, { role: 'staff', unitCode: commune });
    expect((await app.api('GET', '/v1/ops/queues', undefined, staff)).status).toBe(403);
    expect((await app.api('GET', '/v1/ops/queues', undefined, null)).status).toBe(401);
  });

  it('Bull Board is served behind admin auth when Redis is configured', async () => {
    const { commune } = await createCommune(app);
    const staff = await createKey(app, { role: 'staff', unitCode: commune });
    expect((await app.api('GET', '/v1/ops/queues/board', undefined, null)).status).toBe(401);
    expect((await app.api('GET', '/v1/ops/queues/board', undefined, staff)).status).toBe(403);
    const page = await fetch(`${app.url}/v1/ops/queues/board`, {
      headers: { authorization: `Bearer ${app.adminKey}` },
    });
    if (backend === 'postgres') {
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
      const api = await app.api('GET', '/v1/ops/queues/board/api/queues');
      expect(api.status).toBe(200);
      expect(api.body.queues.map((q: { name: string }) => q.name)).toContain('transactions.ingest-events');
    } else {
      expect(page.status).toBe(404);
    }
  });
});
