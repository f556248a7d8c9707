import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cashPaymentFacts } from '../../../src/cash-payments/store.js';
import type { PaymentFact } from '../../../src/metrics/facts.js';
import { compareRollupsWithRebuild } from '../../../src/metrics/rebuild.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { createCommune, createKey, createPayee } from '../../support/factories.js';
import { createRequest, createSchool } from '../../support/payment-request-factories.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

/** A calendar day in Asia/Ho_Chi_Minh (how the API reads dates), `offset` days from today. */
const vnDay = (offset = 0) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(
    new Date(Date.now() + offset * 86_400_000),
  );
// From yesterday: an entry "an hour ago" may fall on the day before when the test runs just after midnight.
const period = () => `from=${vnDay(-1)}&to=${vnDay()}`;

describe('cash payments', () => {
  it('a vendor records a day’s takings in one entry with its own key, and sees its cash today', async () => {
    const { commune, hamlets } = await createCommune(app);
    const vendor = await createPayee(app, hamlets[0]!);
    const key = await createKey(app, { role: 'payee', payeeId: vendor.id });
    const takings = await app.api(
      'POST',
      '/v1/cash-payments',
      { amount: 2_350_000, category: 'market', saleCount: 87 },
      key,
    );
    expect(takings.status, JSON.stringify(takings.body)).toBe(201);
    expect(takings.body).toMatchObject({
      payeeId: vendor.id,
      unitCode: hamlets[0],
      amount: 2_350_000,
      saleCount: 87,
      householdCode: null,
      paymentRequestId: null,
      createdBy: expect.stringMatching(/^key:/),
    });
    await app.api(
      'POST',
      '/v1/cash-payments',
      { amount: 40_000, category: 'market', paidAt: new Date(Date.now() - 3_600_000).toISOString() },
      key,
    );
    const mine = await app.api('GET', `/v1/cash-payments?${period()}`, undefined, key);
    expect(mine.body.totals).toEqual({ entries: 2, sales: 88, amount: 2_390_000 });
    const one = await app.api('GET', `/v1/cash-payments/${takings.body.id}`, undefined, key);
    expect(one.body.id).toBe(takings.body.id);

    // The cash counts in the commune's ratios, one sale per sale, in the same transaction that stored it.
    const metrics = await app.api('GET', `/v1/metrics/cashless?unit=${commune}&${period()}`);
    expect(metrics.status, JSON.stringify(metrics.body)).toBe(200);
    expect(metrics.body.totals.cash).toMatchObject({ count: 88, value: 2_390_000 });
    expect(await compareRollupsWithRebuild(app.deps.db)).toEqual([]);
  });

  it('pays a request in cash with just its id, counting it for the household', async () => {
    const { commune, hamlets } = await createCommune(app);
    const household = `HH-${commune}-7`;
    await app.api('POST', '/v1/households', { code: household, unitCode: hamlets[1] });
    const counter = await createPayee(app, commune, { kind: 'utility' });
    const bill = await createRequest(app, counter.id, {
      amount: 212_000,
      category: 'water',
      householdCode: household,
      payerRef: 'DH-0042',
    });
    const paid = await app.api('POST', '/v1/cash-payments', { paymentRequestId: bill.id });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    expect(paid.body).toMatchObject({
      payeeId: counter.id,
      amount: 212_000,
      category: 'water',
      householdCode: household,
      payerRef: 'DH-0042',
      unitCode: hamlets[1],
      paymentRequestId: bill.id,
    });
    expect(paid.body.paymentRequest).toMatchObject({ status: 'paid', paidAmount: 212_000 });

    const facts: PaymentFact[] = [];
    for await (const f of cashPaymentFacts(app.deps.db)) facts.push(f);
    expect(facts).toContainEqual(
      expect.objectContaining({
        channel: 'cash',
        count: 1,
        value: 212_000,
        unitCode: hamlets[1],
        payerKey: household,
        payeeKind: 'utility',
        category: 'water',
      }),
    );
    const metrics = await app.api('GET', `/v1/metrics/cashless?unit=${commune}&${period()}`);
    expect(metrics.body.totals.cash).toMatchObject({ count: 1, value: 212_000, payers: 1 });
    const listed = await app.api('GET', `/v1/cash-payments?paymentRequestId=${bill.id}`);
    expect(listed.body.items.map((c: { id: string }) => c.id)).toEqual([paid.body.id]);
  });

  it('refuses what a cashier should not record, storing nothing', async () => {
    const { commune } = await createCommune(app);
    const school = await createSchool(app, commune);
    const other = await createSchool(app, commune);
    const bill = await createRequest(app, school.id, { amount: 300_000 });
    const cases: [Record<string, unknown>, number, string][] = [
      [{ payeeId: school.id, category: 'school_fee', amount: 0 }, 400, 'validation_failed'],
      [{ payeeId: school.id, category: 'school_fee', amount: -5 }, 400, 'validation_failed'],
      [{ payeeId: school.id, category: 'school_fee', amount: 1.5 }, 400, 'validation_failed'],
      [{ payeeId: school.id, category: 'school_fee', amount: 500_000_001 }, 400, 'validation_failed'],
      [{ payeeId: school.id, category: 'school_fee' }, 400, 'validation_failed'],
      [{ payeeId: school.id, amount: 1000 }, 400, 'validation_failed'],
      [
        { payeeId: school.id, category: 'school_fee', amount: 1000, paidAt: 'yesterday' },
        400,
        'validation_failed',
      ],
      [{ paymentRequestId: bill.id, saleCount: 3 }, 400, 'validation_failed'],
      [
        {
          payeeId: school.id,
          category: 'school_fee',
          amount: 1000,
          paidAt: new Date(Date.now() + 86_400_000).toISOString(),
        },
        422,
        'paid_at_in_future',
      ],
      [
        { payeeId: '00000000-0000-4000-8000-000000000000', category: 'other', amount: 1000 },
        422,
        'unknown_payee',
      ],
      [
        { payeeId: school.id, category: 'other', amount: 1000, householdCode: 'HH-NOPE' },
        422,
        'unknown_household',
      ],
      [{ paymentRequestId: '00000000-0000-4000-8000-000000000000' }, 422, 'unknown_payment_request'],
      [{ paymentRequestId: bill.id, payeeId: other.id }, 422, 'payee_mismatch'],
      [{ paymentRequestId: bill.id, category: 'water' }, 422, 'category_mismatch'],
      [{ paymentRequestId: bill.id, amount: 300_001 }, 422, 'cash_exceeds_outstanding'],
    ];
    for (const [body, status, code] of cases) {
      const res = await app.api('POST', '/v1/cash-payments', body);
      expect([res.status, res.body.error?.code], JSON.stringify(body)).toEqual([status, code]);
    }
    const none = await app.api('GET', `/v1/cash-payments?payeeId=${school.id}`);
    expect(none.body.totals.entries).toBe(0);
    expect((await app.api('GET', `/v1/payment-requests/${bill.id}`)).body).toMatchObject({
      status: 'open',
      paidAmount: 0,
    });

    const pay = await app.api('POST', '/v1/cash-payments', { paymentRequestId: bill.id, amount: 100_000 });
    expect(pay.body.paymentRequest.outstanding).toBe(200_000);
    const rest = await app.api('POST', '/v1/cash-payments', { paymentRequestId: bill.id });
    expect(rest.body).toMatchObject({ amount: 200_000, paymentRequest: { status: 'paid' } });
    const again = await app.api('POST', '/v1/cash-payments', { paymentRequestId: bill.id, amount: 1000 });
    expect([again.status, again.body.error.code]).toEqual([409, 'already_paid']);
  });

  it('an Idempotency-Key keeps a retried entry from a flaky phone from counting twice', async () => {
    const { hamlets } = await createCommune(app);
    const vendor = await createPayee(app, hamlets[0]!);
    const key = await createKey(app, { role: 'payee', payeeId: vendor.id });
    const body = { amount: 55_000, category: 'market' };
    const headers = { 'Idempotency-Key': 'phone-7f3a-0001' };
    const first = await app.api('POST', '/v1/cash-payments', body, key, headers);
    const retry = await app.api('POST', '/v1/cash-payments', body, key, headers);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const listed = await app.api('GET', '/v1/cash-payments', undefined, key);
    expect(listed.body.totals).toMatchObject({ entries: 1, amount: 55_000 });
    expect(
      (await app.api('POST', '/v1/cash-payments', body, key, { 'Idempotency-Key': 'x'.repeat(300) })).status,
    ).toBe(400);
  });

  it('keys see only the cash in their scope', async () => {
    const a = await createCommune(app);
    const b = await createCommune(app);
    const vendorA = await createPayee(app, a.hamlets[0]!);
    const vendorB = await createPayee(app, b.hamlets[0]!);
    const cashA = await app.api('POST', '/v1/cash-payments', {
      payeeId: vendorA.id,
      amount: 10_000,
      category: 'market',
    });
    const cashB = await app.api('POST', '/v1/cash-payments', {
      payeeId: vendorB.id,
      amount: 20_000,
      category: 'market',
    });
    const staffA = await createKey(app, { role: 'staff', unitCode: a.commune });
    const keyB = await createKey(app, { role: 'payee', payeeId: vendorB.id });
    expect((await app.api('GET', `/v1/cash-payments/${cashB.body.id}`, undefined, staffA)).status).toBe(404);
    expect((await app.api('GET', `/v1/cash-payments/${cashA.body.id}`, undefined, keyB)).status).toBe(404);
    const seen = await app.api('GET', '/v1/cash-payments', undefined, staffA);
    expect(seen.body.items.map((c: { id: string }) => c.id)).toEqual([cashA.body.id]);
    const forB = await app.api(
      'POST',
      '/v1/cash-payments',
      { payeeId: vendorB.id, amount: 1000, category: 'market' },
      staffA,
    );
    expect([forB.status, forB.body.error.code]).toEqual([422, 'unknown_payee']);
    const vendorForA = await app.api(
      'POST',
      '/v1/cash-payments',
      { payeeId: vendorA.id, amount: 1000, category: 'market' },
      keyB,
    );
    expect([vendorForA.status, vendorForA.body.error.code]).toEqual([422, 'unknown_payee']);
  });

  it('reads all cash back as facts in pages, each exactly once', async () => {
    const { hamlets } = await createCommune(app);
    const vendor = await createPayee(app, hamlets[0]!);
    const paidAt = new Date(Date.now() - 60_000).toISOString();
    for (let i = 0; i < 7; i++) {
      await app.api('POST', '/v1/cash-payments', {
        payeeId: vendor.id,
        amount: 1000 + i,
        category: 'market',
        paidAt,
      });
    }
    const all: PaymentFact[] = [];
    for await (const f of cashPaymentFacts(app.deps.db)) all.push(f);
    const paged: PaymentFact[] = [];
    for await (const f of cashPaymentFacts(app.deps.db, { pageSize: 2 })) paged.push(f);
    expect(paged).toEqual(all);
    expect(
      paged
        .filter((f) => f.payeeId === vendor.id)
        .map((f) => f.value)
        .sort(),
    ).toEqual([1000, 1001, 1002, 1003, 1004, 1005, 1006]);
  });
});
