import { readFile } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vnDay } from '../../../src/metrics/day.js';
import { type Channel, type PaymentFact, recordPaymentFact } from '../../../src/metrics/facts.js';
import { compareRollupsWithRebuild, rebuildRollups } from '../../../src/metrics/rebuild.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { createPayee } from '../../support/factories.js';
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

/**
 * A deterministic mix of payments, undos and amount corrections, late ones included: by default over
 * November and December 2026, or over `days` days from `start` (UTC).
 */
function manyFacts(n: number, start = Date.UTC(2026, 10, 1), days = 61): PaymentFact[] {
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
      // Any minute of the span, UTC: many fall on the next day in Vietnam.
      occurredAt: new Date(start + rnd(days * 24 * 60) * 60_000),
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
  const all = payerSetsOf(facts, from, to, () => '').get('');
  return [all?.cashless.size ?? 0, all?.cash.size ?? 0];
}

/** The cashless and cash payer sets per group (the group of a fact and its Vietnam day) in [from, to]. */
function payerSetsOf(
  facts: PaymentFact[],
  from: string,
  to: string,
  groupOf: (f: PaymentFact, day: string) => string,
): Map<string, { cashless: Set<string>; cash: Set<string> }> {
  const net = new Map<string, { n: number; group: string; cash: boolean; payer: string }>();
  for (const f of facts) {
    const day = vnDay(f.occurredAt);
    if (f.payerKey === null || day < from || day > to) continue;
    const k = [day, f.unitCode, f.category, f.channel, f.payerKey].join('|');
    const row = net.get(k) ?? { n: 0, group: groupOf(f, day), cash: f.channel === 'cash', payer: f.payerKey };
    row.n += f.count;
    net.set(k, row);
  }
  const sets = new Map<string, { cashless: Set<string>; cash: Set<string> }>();
  for (const { n, group, cash, payer } of net.values()) {
    if (n <= 0) continue;
    const s = sets.get(group) ?? { cashless: new Set<string>(), cash: new Set<string>() };
    (cash ? s.cash : s.cashless).add(payer);
    sets.set(group, s);
  }
  return sets;
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
    expect([...new Set(diffs.map((d) => d.table))].sort()).toEqual([
      'payee_rollups',
      'payer_month_rollups',
      'payer_rollups',
      'payer_scope_rollups',
      'payer_tallies',
      'payment_month_rollups',
      'payment_rollups',
    ]);
    // The stray payer in its hamlet, its commune and its province: in the month (by category and in all)
    // and in the year; each one more payer in the cashless tallies there.
    expect(diffs.filter((d) => d.table === 'payer_scope_rollups')).toHaveLength(9);
    expect(
      diffs.find(
        (d) => d.table === 'payer_tallies' && d.key.unitCode === c.commune && d.key.period === '2026',
      ),
    ).toMatchObject({
      key: { cash: 'false', category: '' },
      stored: { payers: expect.any(Number), adopters: expect.any(Number) },
    });
    expect(diffs.find((d) => d.table === 'payer_rollups')).toMatchObject({
      key: { payerKey: 'STRAY', day: '2026-11-10' },
      stored: { count: 1 },
      rebuilt: null,
    });
    await rebuildRollups(app.deps.db, [listSource(facts)]);
    expect(await compareRollupsWithRebuild(app.deps.db, [listSource(facts)])).toEqual([]);
    await rebuildRollups(app.deps.db, [listSource([])]);
  });

  it('whole months and years, read from the payer tallies, equal the payer sets counted from the facts', async () => {
    // From 31 Dec 2027 to 3 Jan 2029 (UTC): both year ends, and days that move across them in Vietnam.
    const facts = manyFacts(400, Date.UTC(2027, 11, 31), 369);
    const shuffled = [...facts].reverse();
    for (let i = 0; i < shuffled.length; i += 50) await recordFacts(app, shuffled.slice(i, i + 50));
    expect(await compareRollupsWithRebuild(app.deps.db, [listSource(facts)])).toEqual([]);
    const households = new Set(c.households.flat());
    const hamletOf = (f: PaymentFact) => (f.unitCode === c.commune ? c.commune : f.unitCode);
    const expectGroups = (
      got: { groups: (MetricsGroup & { households?: { adopters: number } })[] },
      want: ReturnType<typeof payerSetsOf>,
      keys: string[],
    ) => {
      for (const key of keys) {
        const g = got.groups.find((x) => x.key === key);
        const w = want.get(key);
        expect([key, g?.cashless.payers ?? 0, g?.cash.payers ?? 0]).toEqual([
          key,
          w?.cashless.size ?? 0,
          w?.cash.size ?? 0,
        ]);
        if (g?.households) {
          const adopters = [...(w?.cashless ?? [])].filter((p) => households.has(p)).length;
          expect([key, g.households.adopters]).toEqual([key, adopters]);
        }
      }
    };
    for (const [from, to] of [
      ['2028-01-01', '2028-12-31'],
      ['2028-01-01', '2028-01-31'],
      ['2028-02-01', '2028-02-29'],
      ['2028-12-01', '2028-12-31'],
    ] as const) {
      const want = payerSetsOf(facts, from, to, () => '').get('');
      const got = await metrics(`from=${from}&to=${to}`);
      expect([got.totals.cashless.payers, got.totals.cash.payers]).toEqual(payersOf(facts, from, to));
      expect(got.households.adopters).toBe(
        [...(want?.cashless ?? [])].filter((p) => households.has(p)).length,
      );
      expectGroups(
        await metrics(`from=${from}&to=${to}&groupBy=unit`),
        payerSetsOf(facts, from, to, hamletOf),
        [...c.hamlets, c.commune],
      );
      expectGroups(
        await metrics(`from=${from}&to=${to}&groupBy=month`),
        payerSetsOf(facts, from, to, (_, day) => day.slice(0, 7)),
        ['2028-01', '2028-02', '2028-06', '2028-12'],
      );
      expectGroups(
        await metrics(`from=${from}&to=${to}&groupBy=category`),
        payerSetsOf(facts, from, to, (f) => f.category),
        ['market', 'school_fee', 'water'],
      );
    }
    await rebuildRollups(app.deps.db, [listSource([])]);
  });

  it('a household registered after its payments makes its payer an adopter, as a rebuild counts it', async () => {
    const q = 'from=2029-02-01&to=2029-02-28';
    const paid = fact({
      unitCode: c.hamlets[0]!,
      payeeId: c.stalls[0]!.id,
      payerKey: 'LATE-HH-1',
      occurredAt: new Date('2029-02-03T02:00:00Z'),
    });
    await recordFacts(app, [paid]);
    expect((await metrics(q)).totals.cashless.payers).toBe(1);
    expect((await metrics(q)).households.adopters).toBe(0);
    const res = await app.api('POST', '/v1/households', {
      items: [{ code: 'LATE-HH-1', unitCode: c.hamlets[0]! }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect((await metrics(q)).households.adopters).toBe(1);
    expect((await metrics('from=2029-01-01&to=2029-12-31')).households.adopters).toBe(1);
    expect(await compareRollupsWithRebuild(app.deps.db, [listSource([paid])])).toEqual([]);
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

  it('stalls paid by QR over a whole month or year, read from the stall tallies, equal the stalls counted from the facts', async () => {
    // Six more stalls: in each hamlet and on the commune; each pays cashless in a third of the months
    // only, the last one only in cash. A payment's unit is its payer's, not always the stall's.
    const where = [c.hamlets[0]!, c.hamlets[0]!, c.hamlets[1]!, c.hamlets[1]!, c.commune, c.hamlets[1]!];
    const stalls: { id: string; unit: string }[] = [];
    for (const unit of where) stalls.push({ id: (await createPayee(app, unit)).id as string, unit });
    let seed = 11;
    // The high bits of the generator: its low bits repeat every few draws, which would tie the channel
    // to the stall.
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.floor(seed / 2 ** 12) % k;
    };
    const facts: PaymentFact[] = [];
    for (let i = 0; i < 240; i++) {
      const k = rnd(stalls.length);
      const month = rnd(12);
      if ((month + k) % 3 !== 0) continue;
      const paid = fact({
        unitCode: rnd(3) === 0 ? c.hamlets[rnd(2)]! : stalls[k]!.unit,
        payeeId: stalls[k]!.id,
        channel: k === 5 ? 'cash' : (['qr', 'transfer', 'ewallet', 'cash'] as const)[rnd(4)],
        // Any minute of the month's first 27 days, UTC (some on the next day in Vietnam).
        occurredAt: new Date(Date.UTC(2030, month, 1) + rnd(27 * 24 * 60) * 60_000),
      });
      facts.push(paid);
      if (rnd(4) === 0) facts.push({ ...paid, count: -1, value: -paid.value });
    }
    // A stall whose only July payment is undone is not paid in July; one paid only in cash in August neither.
    const july = fact({
      unitCode: c.commune,
      payeeId: stalls[4]!.id,
      occurredAt: new Date('2030-07-15T03:00:00Z'),
    });
    facts.push(july, { ...july, count: -1, value: -july.value });
    // Three October sales on one day by one channel, one undone: the stall was paid in October.
    const october = fact({
      unitCode: c.commune,
      payeeId: stalls[4]!.id,
      occurredAt: new Date('2030-10-05T03:00:00Z'),
    });
    facts.push(
      october,
      { ...october, value: 30_000 },
      { ...october, value: 45_000 },
      { ...october, count: -1, value: -october.value },
    );
    facts.push(
      fact({
        unitCode: c.commune,
        payeeId: stalls[4]!.id,
        channel: 'cash',
        occurredAt: new Date('2030-08-02T03:00:00Z'),
      }),
    );
    await rebuildRollups(app.deps.db, [listSource([])]); // what the tests above left
    for (let i = 0; i < facts.length; i += 40) await recordFacts(app, facts.slice(i, i + 40));
    expect(await compareRollupsWithRebuild(app.deps.db, [listSource(facts)])).toEqual([]);

    const under = (unit: string, stallUnit: string) =>
      unit === c.province || unit === c.commune || unit === stallUnit;
    const paidStalls = (unit: string, from: string, to: string) => {
      const net = new Map<string, number>();
      for (const f of facts) {
        const day = vnDay(f.occurredAt);
        const stall = stalls.find((s) => s.id === f.payeeId)!;
        if (f.channel === 'cash' || day < from || day > to || !under(unit, stall.unit)) continue;
        net.set(f.payeeId, (net.get(f.payeeId) ?? 0) + f.count);
      }
      return [...net.values()].filter((n) => n > 0).length;
    };
    const market = async (unit: string, from: string, to: string) => {
      const res = await getFresh(app, `/v1/metrics/cashless?unit=${unit}&from=${from}&to=${to}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.market as { stalls: number; stallsPaidByQr: number };
    };
    const ranges = [
      ['2030-01-01', '2030-12-31'], // a year: tallied
      ['2030-02-01', '2030-02-28'], // a month: tallied
      ['2030-07-01', '2030-07-31'],
      ['2030-08-01', '2030-08-31'],
      ['2030-10-01', '2030-10-31'],
      ['2030-12-01', '2030-12-29'], // "this month so far": no payment after the 29th, tallied as December
      ['2030-03-10', '2030-03-31'], // cuts a month with payments before it: each stall looked up
      ['2030-04-01', '2030-05-31'], // two months: looked up
    ] as const;
    for (const unit of [c.province, c.commune, ...c.hamlets]) {
      for (const [from, to] of ranges) {
        const got = await market(unit, from, to);
        expect([unit, from, to, got.stallsPaidByQr]).toEqual([unit, from, to, paidStalls(unit, from, to)]);
      }
    }
    expect((await market(c.commune, '2030-07-01', '2030-07-31')).stallsPaidByQr).toBeLessThan(
      (await market(c.commune, '2030-01-01', '2030-12-31')).stallsPaidByQr,
    );

    // Migration 0013's backfill, from payee_rollups, makes the same rows.
    await app.deps.db.execute(sql`delete from stall_tallies`);
    await app.deps.db.execute(sql`delete from stall_period_rollups`);
    const migration = await readFile(
      new URL('../../../migrations/0013_metrics_stall_tallies.sql', import.meta.url),
      'utf8',
    );
    for (const statement of migration.split('--> statement-breakpoint').filter((st) => st.includes('INSERT')))
      await app.deps.db.execute(sql.raw(statement));
    expect(await compareRollupsWithRebuild(app.deps.db, [listSource(facts)])).toEqual([]);

    // The whole-month and year figures are the tally's row; a range that cuts a month is not.
    await app.deps.db.execute(
      sql`update stall_tallies set stalls = stalls + 100 where unit_code = ${c.commune} and period in ('2030', '2030-12', '2030-03')`,
    );
    expect((await market(c.commune, '2030-01-01', '2030-12-31')).stallsPaidByQr).toBe(
      paidStalls(c.commune, '2030-01-01', '2030-12-31') + 100,
    );
    expect((await market(c.commune, '2030-12-01', '2030-12-29')).stallsPaidByQr).toBe(
      paidStalls(c.commune, '2030-12-01', '2030-12-29') + 100,
    );
    expect((await market(c.commune, '2030-03-10', '2030-03-31')).stallsPaidByQr).toBe(
      paidStalls(c.commune, '2030-03-10', '2030-03-31'),
    );
    expect(await compareRollupsWithRebuild(app.deps.db, [listSource(facts)])).not.toEqual([]);
    await rebuildRollups(app.deps.db, [listSource(facts)]);
    expect(await compareRollupsWithRebuild(app.deps.db, [listSource(facts)])).toEqual([]);
    await rebuildRollups(app.deps.db, [listSource([])]);
  });
});
