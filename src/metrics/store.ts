import { type SQL, sql } from 'drizzle-orm';
import { type DbOrTx, queryRows } from '../db/client.js';
import { countHouseholds, listSubtree } from '../units/store.js';
import { eachDay, eachMonth, splitByMonths } from './day.js';
import { channels } from './facts.js';
import { emptyTally, type Tally } from './ratio.js';
import { categories, type GroupBy } from './schema.js';

/*
 * Metrics read the rollup tables only (never transactions or cash payments), so a query costs the number
 * of rollup rows in the unit's subtree and date range. The subtree is the range of unit paths that start
 * with the unit's path, written with the text_pattern_ops operators (~>=~, ~<~) so that the
 * (unit_path, day) index is used even by a generic prepared plan (a LIKE with a parameter is not).
 * Household and stall counts join the units, households and payees tables read-only, for the same reason.
 */

/** Paths end in '/', and '0' is the character after '/': every path under P sorts in [P, P without '/' + '0'). */
const pathRange = (column: SQL, path: string) =>
  sql`${column} ~>=~ ${path} and ${column} ~<~ ${`${path.slice(0, -1)}0`}`;

export type Slice = { cashless: Tally; cash: Tally; adopters: number };
export type CashlessFigures = {
  totals: Slice;
  /** In display order; empty without a groupBy. */
  groups: { key: string; slice: Slice }[];
};

export type MetricsQuery = {
  unitCode: string;
  unitPath: string;
  from: string;
  to: string;
  groupBy?: GroupBy;
};

function groupKey(groupBy: GroupBy | undefined, unitPath: string, dayColumn: SQL = sql`day`): SQL {
  switch (groupBy) {
    case 'category':
      return sql`category`;
    case 'channel':
      return sql`channel`;
    case 'day':
      return sql`${dayColumn}::text`;
    case 'month':
      return sql`to_char(${dayColumn}, 'YYYY-MM')`;
    case 'unit':
      // The first path segment below the unit: its direct child. '' for facts counted on the unit itself.
      return sql`split_part(substr(unit_path, ${unitPath.length + 1}), '/', 1)`;
    case undefined:
      return sql`''`;
  }
}

export const emptySlice = (): Slice => ({ cashless: emptyTally(), cash: emptyTally(), adopters: 0 });

/**
 * The unit and every unit below it, as one text parameter for `= any(string_to_array(…))`: the rollups are
 * then read through their primary keys (unit_code, day, …), one index range per unit, whatever the number
 * of units (codes are [A-Za-z0-9_-], so ',' cannot appear in one).
 */
async function subtreeCodes(db: DbOrTx, unitPath: string): Promise<SQL> {
  const codes = (await listSubtree(db, unitPath)).map((u) => u.code);
  return sql`any(string_to_array(${codes.join(',')}, ','))`;
}

/** Count, value, distinct payers and adopting households: in total and per group. */
export async function cashlessFigures(db: DbOrTx, q: MetricsQuery): Promise<CashlessFigures> {
  const key = groupKey(q.groupBy, q.unitPath);
  const codes = await subtreeCodes(db, q.unitPath);
  const inRange = sql`unit_code = ${codes} and day between ${q.from}::date and ${q.to}::date`;
  // The payer set: whole months from the monthly table (not when grouping by day), edge days from the daily one.
  const split: ReturnType<typeof splitByMonths> =
    q.groupBy === 'day' ? { days: [{ from: q.from, to: q.to }] } : splitByMonths(q.from, q.to);
  const payerRows = [
    ...(split.months
      ? [
          sql`select ${groupKey(q.groupBy, q.unitPath, sql`month`)} as key, channel = 'cash' as cash, payer_key
              from payer_month_rollups
              where unit_code = ${codes} and month between ${split.months.first}::date and ${split.months.last}::date
                and count > 0`,
        ]
      : []),
    ...split.days.map(
      (d) => sql`select ${key} as key, channel = 'cash' as cash, payer_key
                 from payer_rollups
                 where unit_code = ${codes} and day between ${d.from}::date and ${d.to}::date and count > 0`,
    ),
  ];
  const [payments, payers] = await Promise.all([
    queryRows<{ key: string; cash: boolean; count: number; value: number }>(
      db,
      sql`select ${key} as key, channel = 'cash' as cash, sum(count)::bigint as count, sum(value)::bigint as value
          from payment_rollups where ${inRange}
          group by 1, 2`,
    ),
    // Distinct payers per group and in total (a payer in two groups counts once in the total); a payer is
    // an adopter when its key is a household's code. Without a groupBy only the total is asked for: one
    // DISTINCT and one households join. With one, the households are joined once, on the distinct
    // (group, cash, payer) sets, and the total set is taken from those. Measured with EXPLAIN
    // ANALYZE on the bench's 10M payments (a commune's month): the query without a groupBy took a third
    // of the time of the previous form, which built the per-group sets and hashed the households twice.
    q.groupBy
      ? queryRows<{ key: string; total: boolean; cash: boolean; payers: number; adopters: number }>(
          db,
          sql`with k as materialized (
                select s.key, s.cash, s.payer_key, h.code is not null as household
                from (select distinct key, cash, payer_key from (${sql.join(payerRows, sql` union all `)}) s) s
                left join households h on h.code = s.payer_key
              )
              select key, false as total, cash, count(*)::int as payers,
                     count(*) filter (where household)::int as adopters
              from k
              group by key, cash
              union all
              select '', true, cash, count(*)::int, count(*) filter (where household)::int
              from (select distinct cash, payer_key, household from k) t
              group by cash`,
        )
      : queryRows<{ key: string; total: boolean; cash: boolean; payers: number; adopters: number }>(
          db,
          sql`select '' as key, true as total, t.cash, count(*)::int as payers, count(h.code)::int as adopters
              from (select distinct cash, payer_key from (${sql.join(payerRows, sql` union all `)}) s) t
              left join households h on h.code = t.payer_key
              group by t.cash`,
        ),
  ]);
  const totals = emptySlice();
  const groups = new Map<string, Slice>();
  const sliceOf = (k: string) => {
    const found = groups.get(k);
    if (found) return found;
    const created = emptySlice();
    groups.set(k, created);
    return created;
  };
  for (const r of payments) {
    for (const s of q.groupBy ? [totals, sliceOf(r.key)] : [totals]) {
      const t = r.cash ? s.cash : s.cashless;
      t.count += Number(r.count);
      t.value += Number(r.value);
    }
  }
  for (const r of payers) {
    const s = r.total ? totals : q.groupBy ? sliceOf(r.key) : undefined;
    if (!s) continue;
    (r.cash ? s.cash : s.cashless).payers = r.payers;
    if (!r.cash) s.adopters = r.adopters;
  }
  if (q.groupBy === 'unit' && groups.has('')) {
    const own = groups.get('')!;
    groups.delete('');
    groups.set(q.unitCode, own);
  }
  return { totals, groups: orderGroups(q, groups) };
}

/** Every expected group appears (a day without payments is a day at 0), in a stable order. */
function orderGroups(q: MetricsQuery, found: Map<string, Slice>): { key: string; slice: Slice }[] {
  const expected: string[] =
    q.groupBy === 'day'
      ? eachDay(q.from, q.to)
      : q.groupBy === 'month'
        ? eachMonth(q.from, q.to)
        : q.groupBy === 'category'
          ? [...categories]
          : q.groupBy === 'channel'
            ? [...channels]
            : [];
  const keys = [...expected, ...[...found.keys()].filter((k) => !expected.includes(k)).sort()];
  return keys.map((key) => ({ key, slice: found.get(key) ?? emptySlice() }));
}

/** Households registered under the unit (the denominator of household adoption). */
export const householdsUnder = (db: DbOrTx, unitPath: string) => countHouseholds(db, unitPath);

/** Households per direct child of the unit (for groupBy=unit). */
export async function householdsByChild(db: DbOrTx, unitPath: string): Promise<Map<string, number>> {
  const rows = await queryRows<{ child: string; n: number }>(
    db,
    sql`select split_part(substr(u.path, ${unitPath.length + 1}), '/', 1) as child, count(*)::int as n
        from households h join units u on u.code = h.unit_code
        where ${pathRange(sql`u.path`, unitPath)}
        group by 1`,
  );
  return new Map(rows.map((r) => [r.child, r.n]));
}

export type MarketFigures = { stalls: number; stallsWithQr: number; stallsPaidByQr: number };

/**
 * Market stalls (market_vendor payees) under the unit. Every payee has a bank account and so a static
 * VietQR (GET /v1/payees/{id}/qr.svg): stallsWithQr counts all of them. stallsPaidByQr counts those with at
 * least one cashless payment (QR, transfer or e-wallet, net of undos) in the period.
 */
export async function marketFigures(
  db: DbOrTx,
  unitPath: string,
  from: string,
  to: string,
): Promise<MarketFigures> {
  const [row] = await queryRows<{ stalls: number; paid: number }>(
    db,
    sql`select count(*)::int as stalls, count(*) filter (where x.n > 0)::int as paid
        from payees p join units u on u.code = p.unit_code
        left join lateral (
          select sum(r.count) as n from payee_rollups r
          where r.payee_id = p.id and r.day between ${from}::date and ${to}::date and r.channel <> 'cash'
        ) x on true
        where p.kind = 'market_vendor' and ${pathRange(sql`u.path`, unitPath)}`,
  );
  return { stalls: row?.stalls ?? 0, stallsWithQr: row?.stalls ?? 0, stallsPaidByQr: row?.paid ?? 0 };
}

export type StallActivity = {
  payeeId: string;
  name: string;
  stallNo: string | null;
  cashless: { count: number; value: number };
  cash: { count: number; value: number };
};

/** Each market stall under the unit with its cashless and cash takings in the period (the dashboard's list). */
export async function stallActivity(
  db: DbOrTx,
  unitPath: string,
  from: string,
  to: string,
): Promise<StallActivity[]> {
  const rows = await queryRows<{
    id: string;
    name: string;
    stall_no: string | null;
    qr_count: number;
    qr_value: number;
    cash_count: number;
    cash_value: number;
  }>(
    db,
    sql`select p.id::text as id, p.name, p.stall_no,
               coalesce(sum(r.count) filter (where r.channel <> 'cash'), 0)::bigint as qr_count,
               coalesce(sum(r.value) filter (where r.channel <> 'cash'), 0)::bigint as qr_value,
               coalesce(sum(r.count) filter (where r.channel = 'cash'), 0)::bigint as cash_count,
               coalesce(sum(r.value) filter (where r.channel = 'cash'), 0)::bigint as cash_value
        from payees p join units u on u.code = p.unit_code
        left join payee_rollups r on r.payee_id = p.id and r.day between ${from}::date and ${to}::date
        where p.kind = 'market_vendor' and ${pathRange(sql`u.path`, unitPath)}
        group by p.id, p.name, p.stall_no
        order by p.stall_no nulls last, p.name`,
  );
  return rows.map((r) => ({
    payeeId: r.id,
    name: r.name,
    stallNo: r.stall_no,
    cashless: { count: Number(r.qr_count), value: Number(r.qr_value) },
    cash: { count: Number(r.cash_count), value: Number(r.cash_value) },
  }));
}
