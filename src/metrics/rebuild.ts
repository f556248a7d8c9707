import { eq, sql } from 'drizzle-orm';
import { type DbOrTx, queryRows } from '../db/client.js';
import { payees } from '../payees/tables.js';
import { households, units } from '../units/tables.js';
import { vnDay } from './day.js';
import { type PaymentFact, UnknownFactUnitError } from './facts.js';
import { type FactSource, factSources } from './sources.js';
import {
  payeeRollups,
  payerMonthRollups,
  payerRollups,
  payerScopeRollups,
  payerTallies,
  paymentMonthRollups,
  paymentRollups,
  stallPeriodRollups,
  stallTallies,
} from './tables.js';

/*
 * The rollups are a pure function of the payment facts: each row is the sum of its facts. So the
 * rollups kept incrementally by recordPaymentFact and the rollups recomputed from the source tables
 * must be equal, row for row, except for rows that sum to nothing (a payment and its undo), which the
 * incremental path may leave behind and which are ignored on both sides. payer_tallies are a function
 * of payer_scope_rollups and the households (a row above 0 is a payer there, an adopter when cashless and
 * a household's code). stall_period_rollups and stall_tallies are likewise a function of payee_rollups and the
 * stalls' units.
 */

type PaymentRow = typeof paymentRollups.$inferInsert;
type PayerRow = typeof payerRollups.$inferInsert;
type PayeeRow = typeof payeeRollups.$inferInsert;
type PayerMonthRow = typeof payerMonthRollups.$inferInsert;
type PaymentMonthRow = typeof paymentMonthRollups.$inferInsert;
type PayerScopeRow = typeof payerScopeRollups.$inferInsert;
type PayerTallyRow = typeof payerTallies.$inferInsert;
type StallPeriodRow = typeof stallPeriodRollups.$inferInsert;
type StallTallyRow = typeof stallTallies.$inferInsert;

export type RollupSet = {
  payments: Map<string, PaymentRow>;
  paymentMonths: Map<string, PaymentMonthRow>;
  payers: Map<string, PayerRow>;
  payerMonths: Map<string, PayerMonthRow>;
  payees: Map<string, PayeeRow>;
  payerScopes: Map<string, PayerScopeRow>;
  payerTallies: Map<string, PayerTallyRow>;
  stallPeriods: Map<string, StallPeriodRow>;
  stallTallies: Map<string, StallTallyRow>;
};

const sep = '\u001f';
export const paymentKey = (r: Pick<PaymentRow, 'day' | 'unitCode' | 'payeeKind' | 'category' | 'channel'>) =>
  [r.day, r.unitCode, r.payeeKind, r.category, r.channel].join(sep);
export const payerKey = (r: Pick<PayerRow, 'day' | 'unitCode' | 'category' | 'channel' | 'payerKey'>) =>
  [r.day, r.unitCode, r.category, r.channel, r.payerKey].join(sep);
export const payerMonthKey = (
  r: Pick<PayerMonthRow, 'month' | 'unitCode' | 'category' | 'channel' | 'payerKey'>,
) => [r.month, r.unitCode, r.category, r.channel, r.payerKey].join(sep);
export const payeeKey = (r: Pick<PayeeRow, 'day' | 'payeeId' | 'channel'>) =>
  [r.day, r.payeeId, r.channel].join(sep);
export const paymentMonthKey = (r: Pick<PaymentMonthRow, 'month' | 'unitCode' | 'category' | 'channel'>) =>
  [r.month, r.unitCode, r.category, r.channel].join(sep);
export const payerScopeKey = (
  r: Pick<PayerScopeRow, 'unitCode' | 'period' | 'cash' | 'category' | 'payerKey'>,
) => [r.unitCode, r.period, String(r.cash), r.category, r.payerKey].join(sep);
export const payerTallyKey = (r: Pick<PayerTallyRow, 'unitCode' | 'period' | 'cash' | 'category'>) =>
  [r.unitCode, r.period, String(r.cash), r.category].join(sep);
export const stallPeriodKey = (r: Pick<StallPeriodRow, 'payeeId' | 'period'>) =>
  [r.payeeId, r.period].join(sep);
export const stallTallyKey = (r: Pick<StallTallyRow, 'unitCode' | 'period'>) =>
  [r.unitCode, r.period].join(sep);

const emptySet = (): RollupSet => ({
  payments: new Map(),
  paymentMonths: new Map(),
  payers: new Map(),
  payerMonths: new Map(),
  payees: new Map(),
  payerScopes: new Map(),
  payerTallies: new Map(),
  stallPeriods: new Map(),
  stallTallies: new Map(),
});

/**
 * Sums facts into rollup rows the way recordPaymentFact does, one fact at a time. Scope rows are made
 * with household false: `withTallies` marks them and counts the tallies once all facts are in.
 */
export function aggregateFacts(
  facts: Iterable<PaymentFact>,
  unitPaths: ReadonlyMap<string, string>,
  into: RollupSet = emptySet(),
): RollupSet {
  for (const f of facts) {
    const unitPath = unitPaths.get(f.unitCode);
    if (unitPath === undefined) throw new UnknownFactUnitError(f.unitCode);
    const day = vnDay(f.occurredAt);
    const base = { day, unitCode: f.unitCode, unitPath, category: f.category, channel: f.channel };
    const pk = paymentKey({ ...base, payeeKind: f.payeeKind });
    const p = into.payments.get(pk) ?? { ...base, payeeKind: f.payeeKind, count: 0, value: 0 };
    p.count += f.count;
    p.value += f.value;
    into.payments.set(pk, p);
    const month = `${day.slice(0, 7)}-01`;
    const monthBase = { month, unitCode: f.unitCode, unitPath, category: f.category, channel: f.channel };
    const qk = paymentMonthKey(monthBase);
    const q = into.paymentMonths.get(qk) ?? { ...monthBase, count: 0, value: 0 };
    q.count += f.count;
    q.value += f.value;
    into.paymentMonths.set(qk, q);
    if (f.payerKey !== null && f.count !== 0) {
      const rk = payerKey({ ...base, payerKey: f.payerKey });
      const r = into.payers.get(rk) ?? { ...base, payerKey: f.payerKey, count: 0 };
      r.count += f.count;
      into.payers.set(rk, r);
      const perMonth = {
        month,
        unitCode: f.unitCode,
        unitPath,
        category: f.category,
        channel: f.channel,
        payerKey: f.payerKey,
      };
      const mk = payerMonthKey(perMonth);
      const m = into.payerMonths.get(mk) ?? { ...perMonth, count: 0 };
      m.count += f.count;
      into.payerMonths.set(mk, m);
      const cash = f.channel === 'cash';
      const scopes = unitPath.split('/').filter((code) => code !== '');
      const periods = [
        { period: day.slice(0, 7), category: f.category },
        { period: day.slice(0, 7), category: '' },
        { period: day.slice(0, 4), category: '' },
      ];
      for (const unitCode of scopes) {
        for (const { period, category } of periods) {
          const scope = { unitCode, period, cash, category, payerKey: f.payerKey };
          const sk = payerScopeKey(scope);
          const sr = into.payerScopes.get(sk) ?? { ...scope, count: 0, household: false };
          sr.count += f.count;
          into.payerScopes.set(sk, sr);
        }
      }
    }
    const ek = payeeKey({ day, payeeId: f.payeeId, channel: f.channel });
    const e = into.payees.get(ek) ?? { day, payeeId: f.payeeId, channel: f.channel, count: 0, value: 0 };
    e.count += f.count;
    e.value += f.value;
    into.payees.set(ek, e);
  }
  return into;
}

/** Drops rows that sum to nothing: they carry no payment and no payer. */
function withoutEmpty(set: RollupSet): RollupSet {
  const keep = <T extends { count: number; value?: number }>(m: Map<string, T>) =>
    new Map([...m].filter(([, r]) => r.count !== 0 || (r.value ?? 0) !== 0));
  return {
    payments: keep(set.payments),
    paymentMonths: keep(set.paymentMonths),
    payers: keep(set.payers),
    payerMonths: keep(set.payerMonths),
    payees: keep(set.payees),
    payerScopes: keep(set.payerScopes),
    payerTallies: new Map([...set.payerTallies].filter(([, t]) => t.payers !== 0 || t.adopters !== 0)),
    stallPeriods: keep(set.stallPeriods),
    stallTallies: new Map([...set.stallTallies].filter(([, t]) => t.stalls !== 0)),
  };
}

/** Marks the scope rows of household payers and counts the tallies: a row above 0 is one payer there. */
function withTallies(set: RollupSet, householdCodes: ReadonlySet<string>): RollupSet {
  const tallies = new Map<string, PayerTallyRow>();
  for (const r of set.payerScopes.values()) {
    r.household = householdCodes.has(r.payerKey);
    if (r.count <= 0) continue;
    const key = { unitCode: r.unitCode, period: r.period, cash: r.cash, category: r.category };
    const tk = payerTallyKey(key);
    const t = tallies.get(tk) ?? { ...key, payers: 0, adopters: 0 };
    t.payers += 1;
    if (r.household && !r.cash) t.adopters += 1;
    tallies.set(tk, t);
  }
  return { ...set, payerTallies: tallies };
}

/**
 * Counts each market stall's cashless payee rows above 0 per month and year, and each stall with such a
 * row in a period once in every scope on its unit's path. `stallUnits`: the stalls and their units.
 */
function withStallTallies(
  set: RollupSet,
  stallUnits: ReadonlyMap<string, string>,
  unitPaths: ReadonlyMap<string, string>,
): RollupSet {
  const periods = new Map<string, StallPeriodRow>();
  for (const r of set.payees.values()) {
    if (r.count <= 0 || r.channel === 'cash' || !stallUnits.has(r.payeeId)) continue;
    for (const period of [r.day.slice(0, 7), r.day.slice(0, 4)]) {
      const pk = stallPeriodKey({ payeeId: r.payeeId, period });
      const p = periods.get(pk) ?? { payeeId: r.payeeId, period, count: 0 };
      p.count += 1;
      periods.set(pk, p);
    }
  }
  const tallies = new Map<string, StallTallyRow>();
  for (const r of periods.values()) {
    const path = unitPaths.get(stallUnits.get(r.payeeId)!)!;
    for (const unitCode of path.split('/').filter((code) => code !== '')) {
      const key = { unitCode, period: r.period };
      const tk = stallTallyKey(key);
      const t = tallies.get(tk) ?? { ...key, stalls: 0 };
      t.stalls += 1;
      tallies.set(tk, t);
    }
  }
  return { ...set, stallPeriods: periods, stallTallies: tallies };
}

/** The unit of each market stall (market_vendor payee), by payee id. */
async function stallUnitsOf(db: DbOrTx): Promise<Map<string, string>> {
  const rows = await db
    .select({ id: payees.id, unitCode: payees.unitCode })
    .from(payees)
    .where(eq(payees.kind, 'market_vendor'));
  return new Map(rows.map((r) => [r.id, r.unitCode]));
}

async function unitPathsOf(db: DbOrTx): Promise<Map<string, string>> {
  const rows = await db.select({ code: units.code, path: units.path }).from(units);
  return new Map(rows.map((u) => [u.code, u.path]));
}

const sourcesOrDefault = (sources?: FactSource[]) => sources ?? factSources;

/** The rollups recomputed from the fact sources, without writing anything. */
export async function computeRollups(db: DbOrTx, sources?: FactSource[]): Promise<RollupSet> {
  const unitPaths = await unitPathsOf(db);
  const set = emptySet();
  for (const source of sourcesOrDefault(sources)) {
    const facts = await source.facts(db);
    if (Symbol.asyncIterator in facts) {
      const batch: PaymentFact[] = [];
      for await (const f of facts as AsyncIterable<PaymentFact>) {
        batch.push(f);
        if (batch.length >= 10_000) aggregateFacts(batch.splice(0), unitPaths, set);
      }
      aggregateFacts(batch, unitPaths, set);
    } else {
      aggregateFacts(facts as Iterable<PaymentFact>, unitPaths, set);
    }
  }
  const householdCodes = new Set(
    (await db.select({ code: households.code }).from(households)).map((h) => h.code),
  );
  return withoutEmpty(withStallTallies(withTallies(set, householdCodes), await stallUnitsOf(db), unitPaths));
}

/** The rollups as stored, without rows that sum to nothing. */
export async function readRollups(db: DbOrTx): Promise<RollupSet> {
  const payments = await queryRows<PaymentRow & Record<string, unknown>>(
    db,
    sql`select day::text as "day", unit_code as "unitCode", unit_path as "unitPath", payee_kind as "payeeKind",
               category, channel, count, value
        from payment_rollups where count <> 0 or value <> 0`,
  );
  const payers = await queryRows<PayerRow & Record<string, unknown>>(
    db,
    sql`select day::text as "day", unit_code as "unitCode", unit_path as "unitPath", category, channel,
               payer_key as "payerKey", count
        from payer_rollups where count <> 0`,
  );
  const payerMonths = await queryRows<PayerMonthRow & Record<string, unknown>>(
    db,
    sql`select month::text as "month", unit_code as "unitCode", unit_path as "unitPath", category, channel,
               payer_key as "payerKey", count
        from payer_month_rollups where count <> 0`,
  );
  const payees = await queryRows<PayeeRow & Record<string, unknown>>(
    db,
    sql`select day::text as "day", payee_id::text as "payeeId", channel, count, value
        from payee_rollups where count <> 0 or value <> 0`,
  );
  const paymentMonths = await queryRows<PaymentMonthRow & Record<string, unknown>>(
    db,
    sql`select month::text as "month", unit_code as "unitCode", unit_path as "unitPath", category, channel,
               count, value
        from payment_month_rollups where count <> 0 or value <> 0`,
  );
  const payerScopes = await queryRows<PayerScopeRow & Record<string, unknown>>(
    db,
    sql`select unit_code as "unitCode", period, cash, category, payer_key as "payerKey", count, household
        from payer_scope_rollups where count <> 0`,
  );
  const tallies = await queryRows<PayerTallyRow & Record<string, unknown>>(
    db,
    sql`select unit_code as "unitCode", period, cash, category, payers, adopters
        from payer_tallies where payers <> 0 or adopters <> 0`,
  );
  const stallPeriods = await queryRows<StallPeriodRow & Record<string, unknown>>(
    db,
    sql`select payee_id::text as "payeeId", period, count from stall_period_rollups where count <> 0`,
  );
  const stalls = await queryRows<StallTallyRow & Record<string, unknown>>(
    db,
    sql`select unit_code as "unitCode", period, stalls from stall_tallies where stalls <> 0`,
  );
  return {
    payments: new Map(
      payments.map((r) => [paymentKey(r), { ...r, count: Number(r.count), value: Number(r.value) }]),
    ),
    paymentMonths: new Map(
      paymentMonths.map((r) => [
        paymentMonthKey(r),
        { ...r, count: Number(r.count), value: Number(r.value) },
      ]),
    ),
    payers: new Map(payers.map((r) => [payerKey(r), { ...r, count: Number(r.count) }])),
    payerMonths: new Map(payerMonths.map((r) => [payerMonthKey(r), { ...r, count: Number(r.count) }])),
    payees: new Map(
      payees.map((r) => [payeeKey(r), { ...r, count: Number(r.count), value: Number(r.value) }]),
    ),
    payerScopes: new Map(
      payerScopes.map((r) => [payerScopeKey(r), { ...r, count: Number(r.count), household: r.household }]),
    ),
    payerTallies: new Map(
      tallies.map((r) => [
        payerTallyKey(r),
        { ...r, payers: Number(r.payers), adopters: Number(r.adopters) },
      ]),
    ),
    stallPeriods: new Map(stallPeriods.map((r) => [stallPeriodKey(r), { ...r, count: Number(r.count) }])),
    stallTallies: new Map(stalls.map((r) => [stallTallyKey(r), { ...r, stalls: Number(r.stalls) }])),
  };
}

export type RollupDifference = {
  table:
    | 'payment_rollups'
    | 'payment_month_rollups'
    | 'payer_rollups'
    | 'payer_month_rollups'
    | 'payee_rollups'
    | 'payer_scope_rollups'
    | 'payer_tallies'
    | 'stall_period_rollups'
    | 'stall_tallies';
  key: Record<string, string>;
  /**
   * The row's amounts: count (and value) for most tables, household too for scope rows, payers and
   * adopters for payer tallies, stalls for stall tallies.
   */
  stored: Record<string, number | boolean> | null;
  rebuilt: Record<string, number | boolean> | null;
};

const countAndValue = (r: { count: number; value?: number }): Record<string, number> =>
  r.value === undefined ? { count: r.count } : { count: r.count, value: r.value };

function diff<T>(
  table: RollupDifference['table'],
  stored: Map<string, T>,
  rebuilt: Map<string, T>,
  keyOf: (r: T) => Record<string, string>,
  amountsOf: (r: T) => Record<string, number | boolean>,
): RollupDifference[] {
  const out: RollupDifference[] = [];
  const same = (a: Record<string, number | boolean>, b: Record<string, number | boolean>) =>
    Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
  for (const [k, s] of stored) {
    const r = rebuilt.get(k);
    if (!r || !same(amountsOf(s), amountsOf(r))) {
      out.push({ table, key: keyOf(s), stored: amountsOf(s), rebuilt: r ? amountsOf(r) : null });
    }
  }
  for (const [k, r] of rebuilt) {
    if (!stored.has(k)) out.push({ table, key: keyOf(r), stored: null, rebuilt: amountsOf(r) });
  }
  return out;
}

/**
 * Recomputes the rollups from the sources and lists every row where the stored rollups differ.
 * An empty list means the incremental rollups are exact. Read-only, on one consistent snapshot.
 */
export async function compareRollupsWithRebuild(
  db: DbOrTx,
  sources?: FactSource[],
): Promise<RollupDifference[]> {
  const run = async (tx: DbOrTx) => {
    const rebuilt = await computeRollups(tx, sources);
    const stored = await readRollups(tx);
    return [
      ...diff(
        'payment_rollups',
        stored.payments,
        rebuilt.payments,
        (r) => ({
          day: r.day,
          unitCode: r.unitCode,
          payeeKind: r.payeeKind,
          category: r.category,
          channel: r.channel,
        }),
        countAndValue,
      ),
      ...diff(
        'payment_month_rollups',
        stored.paymentMonths,
        rebuilt.paymentMonths,
        (r) => ({ month: r.month, unitCode: r.unitCode, category: r.category, channel: r.channel }),
        countAndValue,
      ),
      ...diff(
        'payer_rollups',
        stored.payers,
        rebuilt.payers,
        (r) => ({
          day: r.day,
          unitCode: r.unitCode,
          category: r.category,
          channel: r.channel,
          payerKey: r.payerKey,
        }),
        countAndValue,
      ),
      ...diff(
        'payer_month_rollups',
        stored.payerMonths,
        rebuilt.payerMonths,
        (r) => ({
          month: r.month,
          unitCode: r.unitCode,
          category: r.category,
          channel: r.channel,
          payerKey: r.payerKey,
        }),
        countAndValue,
      ),
      ...diff(
        'payee_rollups',
        stored.payees,
        rebuilt.payees,
        (r) => ({ day: r.day, payeeId: r.payeeId, channel: r.channel }),
        countAndValue,
      ),
      ...diff(
        'payer_scope_rollups',
        stored.payerScopes,
        rebuilt.payerScopes,
        (r) => ({
          unitCode: r.unitCode,
          period: r.period,
          cash: String(r.cash),
          category: r.category,
          payerKey: r.payerKey,
        }),
        (r) => ({ count: r.count, household: r.household ?? false }),
      ),
      ...diff(
        'payer_tallies',
        stored.payerTallies,
        rebuilt.payerTallies,
        (r) => ({ unitCode: r.unitCode, period: r.period, cash: String(r.cash), category: r.category }),
        (r) => ({ payers: r.payers, adopters: r.adopters }),
      ),
      ...diff(
        'stall_period_rollups',
        stored.stallPeriods,
        rebuilt.stallPeriods,
        (r) => ({ payeeId: r.payeeId, period: r.period }),
        (r) => ({ count: r.count }),
      ),
      ...diff(
        'stall_tallies',
        stored.stallTallies,
        rebuilt.stallTallies,
        (r) => ({ unitCode: r.unitCode, period: r.period }),
        (r) => ({ stalls: r.stalls }),
      ),
    ];
  };
  return db.transaction(run, { isolationLevel: 'repeatable read', accessMode: 'read only' });
}

async function insertChunks<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += 1000) await insert(rows.slice(i, i + 1000));
}

export type RebuildSummary = {
  payments: number;
  paymentMonths: number;
  payers: number;
  payerMonths: number;
  payees: number;
  payerScopes: number;
  payerTallies: number;
  stallPeriods: number;
  stallTallies: number;
  sources: string[];
};

/**
 * Replaces the rollups with what the sources say. The rollup tables are locked first, so a payment
 * being recorded meanwhile either committed before (and is in the sources) or waits until after.
 */
export async function rebuildRollups(db: DbOrTx, sources?: FactSource[]): Promise<RebuildSummary> {
  const chosen = sourcesOrDefault(sources);
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`lock table payment_rollups, payment_month_rollups, payer_rollups, payer_month_rollups, payee_rollups,
                     payer_scope_rollups, payer_tallies, stall_period_rollups, stall_tallies in exclusive mode`,
    );
    const set = await computeRollups(tx, chosen);
    await tx.execute(sql`delete from payment_rollups`);
    await tx.execute(sql`delete from payer_rollups`);
    await tx.execute(sql`delete from payer_month_rollups`);
    await tx.execute(sql`delete from payee_rollups`);
    await tx.execute(sql`delete from payment_month_rollups`);
    await tx.execute(sql`delete from payer_scope_rollups`);
    await tx.execute(sql`delete from payer_tallies`);
    await tx.execute(sql`delete from stall_period_rollups`);
    await tx.execute(sql`delete from stall_tallies`);
    await insertChunks([...set.payments.values()], (c) => tx.insert(paymentRollups).values(c));
    await insertChunks([...set.payers.values()], (c) => tx.insert(payerRollups).values(c));
    await insertChunks([...set.payerMonths.values()], (c) => tx.insert(payerMonthRollups).values(c));
    await insertChunks([...set.payees.values()], (c) => tx.insert(payeeRollups).values(c));
    await insertChunks([...set.paymentMonths.values()], (c) => tx.insert(paymentMonthRollups).values(c));
    await insertChunks([...set.payerScopes.values()], (c) => tx.insert(payerScopeRollups).values(c));
    await insertChunks([...set.payerTallies.values()], (c) => tx.insert(payerTallies).values(c));
    await insertChunks([...set.stallPeriods.values()], (c) => tx.insert(stallPeriodRollups).values(c));
    await insertChunks([...set.stallTallies.values()], (c) => tx.insert(stallTallies).values(c));
    return {
      payments: set.payments.size,
      paymentMonths: set.paymentMonths.size,
      payers: set.payers.size,
      payerMonths: set.payerMonths.size,
      payees: set.payees.size,
      payerScopes: set.payerScopes.size,
      payerTallies: set.payerTallies.size,
      stallPeriods: set.stallPeriods.size,
      stallTallies: set.stallTallies.size,
      sources: chosen.map((s) => s.name),
    };
  });
}
