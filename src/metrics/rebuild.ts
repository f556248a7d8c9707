import { sql } from 'drizzle-orm';
import { type DbOrTx, queryRows } from '../db/client.js';
import { units } from '../units/tables.js';
import { vnDay } from './day.js';
import { type PaymentFact, UnknownFactUnitError } from './facts.js';
import { type FactSource, factSources } from './sources.js';
import { payeeRollups, payerMonthRollups, payerRollups, paymentRollups } from './tables.js';

/*
 * The rollups are a pure function of the payment facts: each row is the sum of its facts. So the
 * rollups kept incrementally by recordPaymentFact and the rollups recomputed from the source tables
 * must be equal, row for row, except for rows that sum to nothing (a payment and its undo), which the
 * incremental path may leave behind and which are ignored on both sides.
 */

type PaymentRow = typeof paymentRollups.$inferInsert;
type PayerRow = typeof payerRollups.$inferInsert;
type PayeeRow = typeof payeeRollups.$inferInsert;
type PayerMonthRow = typeof payerMonthRollups.$inferInsert;

export type RollupSet = {
  payments: Map<string, PaymentRow>;
  payers: Map<string, PayerRow>;
  payerMonths: Map<string, PayerMonthRow>;
  payees: Map<string, PayeeRow>;
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

const emptySet = (): RollupSet => ({
  payments: new Map(),
  payers: new Map(),
  payerMonths: new Map(),
  payees: new Map(),
});

/** Sums facts into rollup rows the way recordPaymentFact does, one fact at a time. */
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
    if (f.payerKey !== null && f.count !== 0) {
      const rk = payerKey({ ...base, payerKey: f.payerKey });
      const r = into.payers.get(rk) ?? { ...base, payerKey: f.payerKey, count: 0 };
      r.count += f.count;
      into.payers.set(rk, r);
      const month = `${day.slice(0, 7)}-01`;
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
    payers: keep(set.payers),
    payerMonths: keep(set.payerMonths),
    payees: keep(set.payees),
  };
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
  return withoutEmpty(set);
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
  return {
    payments: new Map(
      payments.map((r) => [paymentKey(r), { ...r, count: Number(r.count), value: Number(r.value) }]),
    ),
    payers: new Map(payers.map((r) => [payerKey(r), { ...r, count: Number(r.count) }])),
    payerMonths: new Map(payerMonths.map((r) => [payerMonthKey(r), { ...r, count: Number(r.count) }])),
    payees: new Map(
      payees.map((r) => [payeeKey(r), { ...r, count: Number(r.count), value: Number(r.value) }]),
    ),
  };
}

export type RollupDifference = {
  table: 'payment_rollups' | 'payer_rollups' | 'payer_month_rollups' | 'payee_rollups';
  key: Record<string, string>;
  stored: { count: number; value?: number } | null;
  rebuilt: { count: number; value?: number } | null;
};

function diff<T extends { count: number; value?: number }>(
  table: RollupDifference['table'],
  stored: Map<string, T>,
  rebuilt: Map<string, T>,
  keyOf: (r: T) => Record<string, string>,
): RollupDifference[] {
  const out: RollupDifference[] = [];
  const amounts = (r: T | undefined) =>
    r ? (r.value === undefined ? { count: r.count } : { count: r.count, value: r.value }) : null;
  for (const [k, s] of stored) {
    const r = rebuilt.get(k);
    if (!r || r.count !== s.count || (r.value ?? 0) !== (s.value ?? 0)) {
      out.push({ table, key: keyOf(s), stored: amounts(s), rebuilt: amounts(r) });
    }
  }
  for (const [k, r] of rebuilt) {
    if (!stored.has(k)) out.push({ table, key: keyOf(r), stored: null, rebuilt: amounts(r) });
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
      ...diff('payment_rollups', stored.payments, rebuilt.payments, (r) => ({
        day: r.day,
        unitCode: r.unitCode,
        payeeKind: r.payeeKind,
        category: r.category,
        channel: r.channel,
      })),
      ...diff('payer_rollups', stored.payers, rebuilt.payers, (r) => ({
        day: r.day,
        unitCode: r.unitCode,
        category: r.category,
        channel: r.channel,
        payerKey: r.payerKey,
      })),
      ...diff('payer_month_rollups', stored.payerMonths, rebuilt.payerMonths, (r) => ({
        month: r.month,
        unitCode: r.unitCode,
        category: r.category,
        channel: r.channel,
        payerKey: r.payerKey,
      })),
      ...diff('payee_rollups', stored.payees, rebuilt.payees, (r) => ({
        day: r.day,
        payeeId: r.payeeId,
        channel: r.channel,
      })),
    ];
  };
  return db.transaction(run, { isolationLevel: 'repeatable read', accessMode: 'read only' });
}

async function insertChunks<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += 1000) await insert(rows.slice(i, i + 1000));
}

export type RebuildSummary = {
  payments: number;
  payers: number;
  payerMonths: number;
  payees: number;
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
      sql`lock table payment_rollups, payer_rollups, payer_month_rollups, payee_rollups in exclusive mode`,
    );
    const set = await computeRollups(tx, chosen);
    await tx.execute(sql`delete from payment_rollups`);
    await tx.execute(sql`delete from payer_rollups`);
    await tx.execute(sql`delete from payer_month_rollups`);
    await tx.execute(sql`delete from payee_rollups`);
    await insertChunks([...set.payments.values()], (c) => tx.insert(paymentRollups).values(c));
    await insertChunks([...set.payers.values()], (c) => tx.insert(payerRollups).values(c));
    await insertChunks([...set.payerMonths.values()], (c) => tx.insert(payerMonthRollups).values(c));
    await insertChunks([...set.payees.values()], (c) => tx.insert(payeeRollups).values(c));
    return {
      payments: set.payments.size,
      payers: set.payers.size,
      payerMonths: set.payerMonths.size,
      payees: set.payees.size,
      sources: chosen.map((s) => s.name),
    };
  });
}
