import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vnDay } from '../../../src/metrics/day.js';
import { type Channel, type PaymentFact, recordPaymentFact } from '../../../src/metrics/facts.js';
import { compareRollupsWithRebuild, rebuildRollups } from '../../../src/metrics/rebuild.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import {
  createMetricsCommune,
  fact,
  getFresh,
  listSource,
  type MetricsGroup,
  recordFacts,
} from '../../support/metrics-factories.js';

let app: TestApp;
let c: Awaited<ReturnType<typeof createMetricsCommune>>;
beforeAll(async () => {
  app = await startTestApp();
  c = await createMetricsCommune(app);
});
afterAll(() => app?.close());

const metrics = async (query: string) => {
  const res = await getFresh(app, `/v1/metrics/cashless?unit=${c.commune}&${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};

/** A deterministic mix of payments, undos and amount corrections over two months, late ones included. */
function manyFacts(n: number): PaymentFact[] {
  let seed = 7;
  const rnd = (k: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % k;
  };
  const chs: Channel[] = ['qr', 'transfer', 'ewallet', 'cash'];
  const out: PaymentFact[] = [];
  for (let i = 0; i < n; i++) {
    const h = rnd(2);
    const base = fact({
      unitCode: rnd(10) === 0 ? c.commune : c.hamlets[h]!,
      payeeId: rnd(3) === 0 ? c.school.id : c.stalls[rnd(2)]!.id,
      channel: chs[rnd(4)]!,
      category: ['market', 'school_fee', 'water'][rnd(3)]!,
      value: (1 + rnd(200)) * 1000,
      // Any minute of November and December 2026, UTC: many fall on the next day in Vietnam.
      occurredAt: new Date(Date.UTC(2026, 10, 1) + rnd(61 * 24 * 60) * 60_000),
      payerKey: rnd(5) === 0 ? null : rnd(4) === 0 ? `REF-${rnd(5)}` : c.households[h]![rnd(4)]!,
    });
    out.push(base);
    if (rnd(6) === 0)
      out.push({ ...base, count: -1, value: -base.value }); // undone
    else if (rnd(8) === 0) out.push({ ...base, count: 0, value: -1000 }); // amount corrected
  }
  return out;
}

/** Distinct cashless and cash payers in [from, to] (Vietnam days), from the facts themselves. */
function payersOf(facts: PaymentFact[], from: string, to: string): [number, number] {
  const net = new Map<string, number>();
  for (const f of facts) {
    const day = vnDay(f.occurredAt);
    if (f.payerKey === null || day < from || day > to) continue;
    const k = [day, f.unitCode, f.category, f.channel, f.payerKey].join('|');
    net.set(k, (net.get(k) ?? 0) + f.count);
  }
  const cashless = new Set<string>();
  const cash = new Set<string>();
  for (const [k, n] of net) {
    if (n <= 0) continue;
    const [, , , channel, payer] = k.split('|');
    (channel === 'cash' ? cash : cashless).add(payer!);
  }
  return [cashless.size, cash.size];
}

describe('rollups', () => {
  it('kept incrementally equal a rebuild from the sources, row for row, whatever the order', async () => {
    const facts = manyFacts(300);
    // Recorded in several transactions and in another order than the rebuild reads them.
    const shuffled = [...facts].reverse();
    for (let i = 0; i < shuffled.length; i += 50) await recordFacts(app, shuffled.slice(i, i + 50));
    expect(await compareRollupsWithRebuild(app.deps.db, [listSource(facts)])).toEqual([]);

    const before = await Promise.all(
      ['', '&groupBy=unit', '&groupBy=day', '&groupBy=category'].map((g) =>
        metrics(`from=2026-11-01&to=2026-12-31${g}`),
      ),
    );
    // Distinct payers over ranges that cut months, read from the monthly and daily payer sets together,
    // equal the payers counted straight from the facts.
    for (const [from, to] of [
      ['2026-11-01', '2026-12-31'],
      ['2026-11-07', '2026-12-31'],
      ['2026-11-15', '2026-12-14'],
      ['2026-12-01', '2026-12-31'],
    ] as const) {
      const got = await metrics(`from=${from}&to=${to}`);
      expect([got.totals.cashless.payers, got.totals.cash.payers]).toEqual(payersOf(facts, from, to));
    }
    const summary = await rebuildRollups(app.deps.db, [listSource(facts)]);
    expect(summary.payments).toBeGreaterThan(0);
    const after = await Promise.all(
      ['', '&groupBy=unit', '&groupBy=day', '&groupBy=category'].map((g) =>
        metrics(`from=2026-11-01&to=2026-12-31${g}`),
      ),
    );
    expect(after).toEqual(before);
    expect(await compareRollupsWithRebuild(app.deps.db, [listSource(facts)])).toEqual([]);

    // A payment the sources do not know is reported, with where it is.
    const stray = fact({ unitCode: c.hamlets[0]!, payeeId: c.stalls[0]!.id, payerKey: 'STRAY' });
    await recordFacts(app, [stray]);
    const diffs = await compareRollupsWithRebuild(app.deps.db, [listSource(facts)]);
    expect(diffs.map((d) => d.table).sort()).toEqual([
      'payee_rollups',
      'payer_month_rollups',
      'payer_rollups',
      'payment_rollups',
    ]);
    expect(diffs.find((d) => d.table === 'payer_rollups')).toMatchObject({
      key: { payerKey: 'STRAY', day: '2026-11-10' },
      stored: { count: 1 },
      rebuilt: null,
    });
    await rebuildRollups(app.deps.db, [listSource(facts)]);
    expect(await compareRollupsWithRebuild(app.deps.db, [listSource(facts)])).toEqual([]);
    await rebuildRollups(app.deps.db, [listSource([])]);
  });

  it('a late payment moves the Vietnam day it happened on, not the day it arrived', async () => {
    const day = (body: { groups: MetricsGroup[] }, key: string) =>
      body.groups.find((g) => g.key === key)?.cashless;
    const q = 'from=2027-03-01&to=2027-03-31&groupBy=day';
    const before = await metrics(q);
    await recordFacts(app, [
      fact({
        unitCode: c.hamlets[0]!,
        payeeId: c.stalls[0]!.id,
        value: 42_000,
        occurredAt: new Date('2027-03-20T17:30:00Z'),
      }),
    ]);
    const after = await metrics(q);
    expect(day(after, '2027-03-21')!.value - day(before, '2027-03-21')!.value).toBe(42_000);
    expect(day(after, '2027-03-20')).toEqual(day(before, '2027-03-20'));
  });

  it('an undo subtracts the payment, its payer and the stall’s QR payment', async () => {
    const q = 'from=2027-05-01&to=2027-05-31';
    const paid = fact({
      unitCode: c.hamlets[1]!,
      payeeId: c.stalls[1]!.id,
      value: 250_000,
      payerKey: c.households[1]![2]!,
      occurredAt: new Date('2027-05-03T02:00:00Z'),
    });
    await recordFacts(app, [paid]);
    expect((await metrics(q)).totals.cashless).toEqual({ count: 1, value: 250_000, payers: 1 });
    expect((await metrics(q)).households.adopters).toBe(1);
    expect((await metrics(q)).market.stallsPaidByQr).toBe(1);
    await recordFacts(app, [{ ...paid, count: -1, value: -250_000 }]);
    const undone = await metrics(q);
    expect(undone.totals.cashless).toEqual({ count: 0, value: 0, payers: 0 });
    expect(undone.households.adopters).toBe(0);
    expect(undone.market.stallsPaidByQr).toBe(0);
  });

  it('moves only with the caller’s transaction: a rollback leaves no trace; an unknown unit rolls back', async () => {
    const q = 'from=2027-07-01&to=2027-07-31';
    const july = fact({
      unitCode: c.hamlets[0]!,
      payeeId: c.stalls[0]!.id,
      occurredAt: new Date('2027-07-01T02:00:00Z'),
    });
    await expect(
      app.deps.db.transaction(async (tx) => {
        await recordPaymentFact(tx, july);
        throw new Error('the payment failed to store');
      }),
    ).rejects.toThrow('the payment failed to store');
    await expect(recordFacts(app, [july, { ...july, unitCode: 'NOT-A-UNIT' }])).rejects.toThrow(/NOT-A-UNIT/);
    expect((await metrics(q)).totals.cashless.count).toBe(0);
  });

  it('counts every payment exactly once when many are recorded at the same time', async () => {
    const q = 'from=2027-09-01&to=2027-09-30';
    const sept = (i: number) =>
      fact({
        unitCode: c.hamlets[0]!,
        payeeId: c.stalls[0]!.id,
        value: 1000 + i,
        payerKey: `P-${i % 7}`,
        occurredAt: new Date('2027-09-09T02:00:00Z'),
      });
    await Promise.all(Array.from({ length: 40 }, (_, i) => recordFacts(app, [sept(i)])));
    const sum = Array.from({ length: 40 }, (_, i) => 1000 + i).reduce((a, b) => a + b, 0);
    expect((await metrics(q)).totals.cashless).toEqual({ count: 40, value: sum, payers: 7 });
  });
});
