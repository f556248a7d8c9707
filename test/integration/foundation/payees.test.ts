import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPayeeLoader } from '../../../src/payees/loader.js';
import { payees } from '../../../src/payees/tables.js';
import { decodeVietQr } from '../../../src/vietqr/payload.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { createCommune, createKey, createPayee } from '../../support/factories.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

describe('payees', () => {
  it('registers a market vendor with a static VietQR for its stall', async () => {
    const { hamlets } = await createCommune(app);
    const payee = await createPayee(app, hamlets[0]!, {
      accountNumber: '0123499999',
      bankBin: '970436',
      stallNo: 'B12',
    });
    const decoded = decodeVietQr(payee.staticQr.payload);
    expect(decoded.ok && decoded.value).toMatchObject({ bin: '970436', account: '0123499999', static: true });
    const fetched = await app.api('GET', `/v1/payees/${payee.id}`);
    expect(fetched.body).toMatchObject({ id: payee.id, stallNo: 'B12', bankShortName: expect.any(String) });
    const listed = await app.api('GET', `/v1/payees?unitCode=${hamlets[0]}&kind=market_vendor`);
    expect(listed.body.items.map((p: { id: string }) => p.id)).toEqual([payee.id]);
  });

  it('refuses an unknown BIN, an unknown unit and a second payee on the same account, storing nothing', async () => {
    const { commune } = await createCommune(app);
    const base = {
      kind: 'school',
      name: 'Trường',
      unitCode: commune,
      accountNumber: '5550001',
      accountName: 'TRUONG',
    };
    const badBin = await app.api('POST', '/v1/payees', { ...base, bankBin: '123456' });
    expect(badBin.status).toBe(422);
    expect(badBin.body.error.code).toBe('unknown_bank');
    const badUnit = await app.api('POST', '/v1/payees', { ...base, bankBin: '970436', unitCode: 'NOPE' });
    expect(badUnit.body.error.code).toBe('unknown_unit');
    expect((await app.api('POST', '/v1/payees', { ...base, bankBin: '970436' })).status).toBe(201);
    const dup = await app.api('POST', '/v1/payees', { ...base, name: 'Another', bankBin: '970436' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('duplicate_account');
    const listed = await app.api('GET', `/v1/payees?unitCode=${commune}`);
    expect(listed.body.items).toHaveLength(1);
  });

  it('a payee key sees only its own payee; staff only their commune', async () => {
    const a = await createCommune(app);
    const b = await createCommune(app);
    const mine = await createPayee(app, a.hamlets[0]!);
    const neighbour = await createPayee(app, a.hamlets[1]!);
    const elsewhere = await createPayee(app, b.hamlets[0]!);
    const payeeKey = await createKey(app, { role: 'payee', payeeId: mine.id });
    expect((await app.api('GET', `/v1/payees/${mine.id}`, undefined, payeeKey)).status).toBe(200);
    expect((await app.api('GET', `/v1/payees/${neighbour.id}`, undefined, payeeKey)).status).toBe(404);
    const own = await app.api('GET', '/v1/payees', undefined, payeeKey);
    expect(own.body.items.map((p: { id: string }) => p.id)).toEqual([mine.id]);
    const create = await app.api(
      'POST',
      '/v1/payees',
      {
        kind: 'other',
        name: 'x',
        unitCode: a.commune,
        bankBin: '970436',
        accountNumber: '42',
        accountName: 'X',
      },
      payeeKey,
    );
    expect(create.status).toBe(403);

    const staff = await createKey(app, { role: 'staff', unitCode: a.commune });
    expect((await app.api('GET', `/v1/payees/${elsewhere.id}`, undefined, staff)).status).toBe(404);
    const seen = await app.api('GET', '/v1/payees', undefined, staff);
    expect(seen.body.items.map((p: { id: string }) => p.id).sort()).toEqual([mine.id, neighbour.id].sort());
  });
});

describe('payee loader', () => {
  it('reads the payees asked for at the same moment together, each caller getting its own, fresh each time', async () => {
    const { hamlets } = await createCommune(app);
    const [a, b] = [await createPayee(app, hamlets[0]!), await createPayee(app, hamlets[1]!)];
    const loader = createPayeeLoader(app.deps.db);
    const asked = [
      a.id,
      b.id,
      '00000000-0000-4000-8000-000000000000',
      'not-a-uuid',
      b.id.toUpperCase(),
      a.id,
    ];
    const answers = await Promise.all(asked.map((id) => loader.load(id)));
    expect(answers.map((p) => p && [p.id, p.accountNumber, p.unitPath])).toEqual([
      [a.id, a.accountNumber, expect.stringContaining(`/${hamlets[0]}/`)],
      [b.id, b.accountNumber, expect.stringContaining(`/${hamlets[1]}/`)],
      undefined,
      undefined,
      [b.id, b.accountNumber, expect.stringContaining(`/${hamlets[1]}/`)],
      [a.id, a.accountNumber, expect.stringContaining(`/${hamlets[0]}/`)],
    ]);
    // Nothing is kept between moments: a change is read at once.
    await app.deps.db.update(payees).set({ name: 'Renamed stall' }).where(eq(payees.id, a.id));
    expect((await loader.load(a.id))?.name).toBe('Renamed stall');
    // A transaction reads in itself, not through the shared statement.
    await app.deps.db.transaction(async (tx) => {
      expect(loader.forDb(tx)).toBeUndefined();
    });
    expect(loader.forDb(app.deps.db)).toBe(loader);
  });
});

describe('api keys', () => {
  it('staff create payee keys in their subtree only; only admins create admin keys', async () => {
    const a = await createCommune(app);
    const b = await createCommune(app);
    const staff = await createKey(app, { role: 'staff', unitCode: a.commune });
    const vendor = await createPayee(app, a.hamlets[0]!);
    const far = await createPayee(app, b.hamlets[0]!);
    expect(
      (await app.api('POST', '/v1/api-keys', { role: 'payee', payeeId: vendor.id, label: 'v' }, staff))
        .status,
    ).toBe(201);
    const out = await app.api('POST', '/v1/api-keys', { role: 'payee', payeeId: far.id, label: 'v' }, staff);
    expect(out.status).toBe(422);
    expect(out.body.error.code).toBe('unknown_payee');
    expect((await app.api('POST', '/v1/api-keys', { role: 'admin', label: 'x' }, staff)).status).toBe(403);
    const missing = await app.api('POST', '/v1/api-keys', { role: 'staff', label: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details[0].path).toBe('unitCode');
  });
});
