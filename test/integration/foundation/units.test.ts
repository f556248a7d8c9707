import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../support/app.js';
import { createCommune, createKey } from '../../support/factories.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

describe('units', () => {
  it('builds a tree of any depth and returns a unit with its children', async () => {
    await app.api('POST', '/v1/units', { code: 'PX', name: 'Tỉnh X', level: 'province' });
    await app.api('POST', '/v1/units', { code: 'DX', name: 'Huyện X', level: 'district', parentCode: 'PX' });
    await app.api('POST', '/v1/units', { code: 'CX', name: 'Xã X', level: 'commune', parentCode: 'DX' });
    const hamlet = await app.api('POST', '/v1/units', {
      code: 'HX',
      name: 'Thôn X',
      level: 'hamlet',
      parentCode: 'CX',
    });
    expect(hamlet.status).toBe(201);
    expect(hamlet.body).toMatchObject({ code: 'HX', level: 'hamlet', parentCode: 'CX' });
    const district = await app.api('GET', '/v1/units/DX');
    expect(district.status).toBe(200);
    expect(district.body.children.map((u: { code: string }) => u.code)).toEqual(['CX']);
  });

  it('refuses a duplicate code (409), an unknown parent (422) and a level above its parent (422), storing nothing', async () => {
    const { commune } = await createCommune(app);
    const dup = await app.api('POST', '/v1/units', { code: commune, name: 'again', level: 'commune' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('duplicate_unit');
    const orphan = await app.api('POST', '/v1/units', {
      code: 'ORPH',
      name: 'x',
      level: 'hamlet',
      parentCode: 'NOPE',
    });
    expect(orphan.status).toBe(422);
    expect(orphan.body.error.code).toBe('unknown_parent');
    const upside = await app.api('POST', '/v1/units', {
      code: 'UPS',
      name: 'x',
      level: 'province',
      parentCode: commune,
    });
    expect(upside.status).toBe(422);
    expect(upside.body.error.code).toBe('invalid_level');
    for (const code of ['ORPH', 'UPS']) expect((await app.api('GET', `/v1/units/${code}`)).status).toBe(404);
  });
});

describe('households', () => {
  it('creates many with per-item results; a bad item does not stop the rest; a resend is idempotent', async () => {
    const { hamlets } = await createCommune(app);
    const items = [
      { code: 'HH-A1', unitCode: hamlets[0], members: 4 },
      { code: 'HH-A2', unitCode: 'NOWHERE' },
      { code: 'HH-A3', unitCode: hamlets[1] },
      { code: 'HH-A3', unitCode: hamlets[1] },
    ];
    const res = await app.api('POST', '/v1/households', { items });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ created: 2, failed: 2 });
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual([
      'created',
      'error',
      'created',
      'error',
    ]);
    expect(res.body.results[1].error.code).toBe('unknown_unit');
    const again = await app.api('POST', '/v1/households', { items: [items[0]] });
    expect(again.body).toMatchObject({ created: 0, existing: 1, failed: 0 });
    const list = await app.api('GET', `/v1/households?unitCode=${hamlets[0]}`);
    expect(list.body.items).toEqual([expect.objectContaining({ code: 'HH-A1', members: 4 })]);
  });

  it('a single household in another unit is a 409 and changes nothing', async () => {
    const { hamlets } = await createCommune(app);
    expect((await app.api('POST', '/v1/households', { code: 'HH-B1', unitCode: hamlets[0] })).status).toBe(
      201,
    );
    const moved = await app.api('POST', '/v1/households', { code: 'HH-B1', unitCode: hamlets[1] });
    expect(moved.status).toBe(409);
    const list = await app.api('GET', `/v1/households?unitCode=${hamlets[1]}`);
    expect(list.body.items).toEqual([]);
  });
});

describe('scope', () => {
  it('staff see and manage only their subtree: 404 for a unit elsewhere, refusal to create there', async () => {
    const mine = await createCommune(app);
    const other = await createCommune(app);
    const staff = await createKey(app, { role: 'staff', unitCode: mine.commune });
    expect((await app.api('GET', `/v1/units/${mine.hamlets[0]}`, undefined, staff)).status).toBe(200);
    expect((await app.api('GET', `/v1/units/${other.commune}`, undefined, staff)).status).toBe(404);
    expect((await app.api('GET', `/v1/units/${mine.province}`, undefined, staff)).status).toBe(404);
    const created = await app.api(
      'POST',
      '/v1/units',
      { code: 'SNEAK', name: 'x', level: 'hamlet', parentCode: other.commune },
      staff,
    );
    expect(created.status).toBe(422);
    const top = await app.api('POST', '/v1/units', { code: 'TOP1', name: 'x', level: 'province' }, staff);
    expect(top.status).toBe(403);
    const hh = await app.api('POST', '/v1/households', { code: 'HH-S1', unitCode: other.hamlets[0] }, staff);
    expect(hh.status).toBe(422);
    expect((await app.api('GET', `/v1/households?unitCode=${other.commune}`, undefined, staff)).status).toBe(
      404,
    );
  });
});
