import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../../src/db/client.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { createCommune, createPayee } from '../../support/factories.js';

let app: TestApp;
let commune: string;
let payeeId: string;

beforeAll(async () => {
  app = await startTestApp();
  commune = (await createCommune(app)).commune;
  payeeId = (await createPayee(app, commune)).id;
});
afterAll(() => app?.close());

const newKey = async (body: Record<string, unknown>, by = app.adminKey) => {
  const res = await app.api('POST', '/v1/api-keys', body, by);
  expect(res.status).toBe(201);
  return res.body as { id: string; key: string };
};

describe('API keys', () => {
  it('a revoked key is refused, the revocation is audited, and revoking again changes nothing', async () => {
    const { id, key } = await newKey({ role: 'payee', payeeId, label: 'quầy 12' });
    const revoked = await app.api('DELETE', `/v1/api-keys/${id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id, role: 'payee', payeeId, label: 'quầy 12' });
    expect(Date.parse(revoked.body.revokedAt)).not.toBeNaN();

    const refused = await app.api('GET', `/v1/payees/${payeeId}`, undefined, key);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('unauthorized');

    const again = await app.api('DELETE', `/v1/api-keys/${id}`);
    expect(again.status).toBe(200);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
    const audits = await queryRows<{ n: number }>(
      app.deps.db,
      sql`select count(*)::int8 as n from audit_log where action = 'api_key.revoke' and subject_id = ${id}`,
    );
    expect(Number(audits[0]!.n)).toBe(1);
  });

  it('lists keys newest first without their secrets, revoked ones only when asked', async () => {
    const live = await newKey({ role: 'staff', unitCode: commune, label: 'cán bộ xã' });
    const gone = await newKey({ role: 'payee', payeeId, label: 'cũ' });
    expect((await app.api('DELETE', `/v1/api-keys/${gone.id}`)).status).toBe(200);

    const listed = await app.api('GET', '/v1/api-keys?limit=1000');
    expect(listed.status).toBe(200);
    const ids = (listed.body.items as { id: string }[]).map((k) => k.id);
    expect(ids).toContain(live.id);
    expect(ids).not.toContain(gone.id);
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(live.key);
    expect(text).not.toMatch(/hash/i);

    const all = await app.api('GET', '/v1/api-keys?limit=1000&includeRevoked=true');
    const items = all.body.items as { id: string; createdAt: string; revokedAt: string | null }[];
    expect(items.find((k) => k.id === gone.id)?.revokedAt).toBeTruthy();
    const times = items.map((k) => Date.parse(k.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('staff revoke keys of their own subtree, not admin keys, and bad ids are a 4xx', async () => {
    const staff = await newKey({ role: 'staff', unitCode: commune, label: 'kế toán xã' });
    const payeeKey = await newKey({ role: 'payee', payeeId, label: 'trường' }, staff.key);
    expect((await app.api('DELETE', `/v1/api-keys/${payeeKey.id}`, undefined, staff.key)).status).toBe(200);

    const admin = await newKey({ role: 'admin', label: 'second admin' });
    const denied = await app.api('DELETE', `/v1/api-keys/${admin.id}`, undefined, staff.key);
    expect(denied.status).toBe(404);
    expect((await app.api('GET', `/v1/units/${commune}`, undefined, admin.key)).status).toBe(200);

    const bad = await app.api('DELETE', '/v1/api-keys/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBeTruthy();
  });
});
