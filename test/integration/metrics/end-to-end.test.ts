import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRollupsWithRebuild, rebuildRollups } from '../../../src/metrics/rebuild.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { genericCallback, postCallback, secrets, settle } from '../../support/callback-factories.js';
import { createCommune, createPayee } from '../../support/factories.js';
import { getFresh } from '../../support/metrics-factories.js';

let app: TestApp;
let c: Awaited<ReturnType<typeof createCommune>>;
beforeAll(async () => {
  app = await startTestApp({ env: secrets });
  c = await createCommune(app);
});
afterAll(() => app?.close());

const metrics = async (query: string) => {
  const res = await getFresh(
    app,
    `/v1/metrics/cashless?unit=${c.commune}&from=2026-11-01&to=2026-11-30${query}`,
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};

describe('metrics from real payments: bills paid by QR, a stall paid by QR, cash at the counter', () => {
  it('counts each once, on the Vietnam day it happened, and the rollups equal a rebuild from the sources', async () => {
    const [h1, h2] = c.hamlets as [string, string];
    const hh = await app.api('POST', '/v1/households', {
      items: [
        { code: `${h1}-A`, unitCode: h1 },
        { code: `${h2}-B`, unitCode: h2 },
      ],
    });
    expect(hh.status).toBe(201);
    const water = await createPayee(app, c.commune, {
      kind: 'utility',
      name: 'Nước sạch',
      stallNo: undefined,
    });
    const stall = await createPayee(app, h1);

    // A water bill for household A, paid by bank transfer with its reference, booked 00:30 on 21/11 in Vietnam.
    const bill = await app.api('POST', '/v1/payment-requests', {
      payeeId: water.id,
      amount: 180_000,
      category: 'water',
      householdCode: `${h1}-A`,
    });
    expect(bill.status, JSON.stringify(bill.body)).toBe(201);
    const paid = await postCallback(
      app,
      'generic',
      genericCallback({
        accountNumber: water.accountNumber,
        amount: 180_000,
        description: `MBVCB.123.${bill.body.reference}.tien nuoc`,
        bookedAt: '2026-11-20T17:30:00Z',
      }),
    );
    expect(paid.status).toBe(200);
    // A shopper pays the stall's static QR: no reference, found by the receiving account.
    const sale = await postCallback(
      app,
      'generic',
      genericCallback({
        accountNumber: stall.accountNumber,
        amount: 35_000,
        description: 'mua rau',
        bookedAt: '2026-11-10T01:00:00Z',
        counterpartyAccount: '0912000111',
      }),
    );
    expect(sale.status).toBe(200);
    await settle(app);

    // Household B pays its water bill in cash at the counter.
    const cash = await app.api('POST', '/v1/cash-payments', {
      payeeId: water.id,
      amount: 180_000,
      category: 'water',
      householdCode: `${h2}-B`,
      paidAt: '2026-11-21T09:00:00+07:00',
    });
    expect(cash.status, JSON.stringify(cash.body)).toBe(201);

    const total = await metrics('');
    expect(total.totals.cashless).toEqual({ count: 2, value: 215_000, payers: 2 });
    expect(total.totals.cash).toEqual({ count: 1, value: 180_000, payers: 1 });
    expect(total.households).toEqual({ total: 2, adopters: 1, adoptionRate: 0.5 });
    expect(total.market).toEqual({ stalls: 1, stallsWithQr: 1, stallsPaidByQr: 1 });
    const days = await metrics('&groupBy=day');
    const day21 = days.groups.find((g: { key: string }) => g.key === '2026-11-21');
    expect(day21.cashless.value).toBe(180_000);
    expect(day21.cash.value).toBe(180_000);
    const units = await metrics('&groupBy=unit');
    expect(
      units.groups.map((g: { key: string; cashless: { value: number } }) => [g.key, g.cashless.value]),
    ).toEqual([
      [h1, 215_000],
      [h2, 0],
    ]);

    expect(await compareRollupsWithRebuild(app.deps.db)).toEqual([]);
    const before = await Promise.all(['', '&groupBy=category', '&groupBy=channel'].map(metrics));
    const summary = await rebuildRollups(app.deps.db);
    expect(summary.sources).toEqual(['cash payments', 'allocations']);
    expect(await Promise.all(['', '&groupBy=category', '&groupBy=channel'].map(metrics))).toEqual(before);
  });
});
