import { type SQL, sql } from 'drizzle-orm';
import { type DbOrTx, queryRows } from '../db/client.js';
import { countHouseholds, listSubtree, pathRange } from '../units/store.js';
import { addDays, eachDay, eachMonth, monthStart, splitByMonths } from './day.js';
import { channels } from './facts.js';
import { emptyTally, type Tally } from './ratio.js';
import { categories, type GroupBy } from './schema.js';

/*
 * Metrics read the rollup tables only (never transactions or cash payments), so a query costs the number
 * of rollup rows in the unit's subtree and date range. The subtree is the range of unit paths that start
 * with the unit's path (pathRange in units/store.ts), so that the (unit_path, day) index is used even by a
 * generic prepared plan.
 * Household and stall counts join the units, households and payees tables read-only, for the same reason.
 */

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
 * of units (codes are [A-Za-z0-9_-], so ',' cannot appear in one). With the codes of its direct children.
 */
async function subtreeCodes(db: DbOrTx, unitPath: string): Promise<{ all: SQL; children: string[] }> {
  const subtree = await listSubtree(db, unitPath);
  const children = subtree.filter(
    (u) => u.path !== unitPath && !u.path.slice(unitPath.length, -1).includes('/'),
  );
  return {
    all: sql`any(string_to_array(${subtree.map((u) => u.code).join(',')}, ','))`,
    children: children.map((u) => u.code),
  };
}

type PaymentRow = { key: string; cash: boolean; count: number; value: number };
type PayerRow = { key: string; total: boolean; cash: boolean; payers: number; adopters: number };

/**
 * The calendar months (YYYY-MM) of [from, to] when the range reads the same as those whole months: the
 * days of its first and last month outside the range hold no payment and no payer of the subtree. So
 * "this month so far" is its month (the days after today are empty), and so is a range ending on the last
 * day a payment was recorded. Undefined when a day outside the range has one.
 */
async function wholeMonths(db: DbOrTx, codes: SQL, from: string, to: string): Promise<string[] | undefined> {
  const whole = await nothingOutside(db, from, to, (d) => [
    sql`exists (select 1 from payment_rollups where unit_code = ${codes}
                  and day between ${d.from}::date and ${d.to}::date and (count <> 0 or value <> 0))`,
    sql`exists (select 1 from payer_rollups where unit_code = ${codes}
                  and day between ${d.from}::date and ${d.to}::date and count <> 0)`,
  ]);
  return whole ? eachMonth(from, to) : undefined;
}

/**
 * Whether none of `probes` finds a row on the days of [from, to]'s first and last calendar month outside
 * it (true at once when the range is whole months): then the range reads as those months.
 */
async function nothingOutside(
  db: DbOrTx,
  from: string,
  to: string,
  probes: (days: { from: string; to: string }) => SQL[],
): Promise<boolean> {
  const first = monthStart(from);
  const last = addDays(monthStart(to, -1), -1);
  const outside = [
    ...(first < from ? [{ from: first, to: addDays(from, -1) }] : []),
    ...(to < last ? [{ from: addDays(to, 1), to: last }] : []),
  ];
  if (outside.length === 0) return true;
  const [row] = await queryRows<{ found: boolean }>(
    db,
    sql`select ${sql.join(outside.flatMap(probes), sql` or `)} as found`,
  );
  return !row?.found;
}

/** The tallied period of whole months: 'YYYY-MM' for one month, 'YYYY' for a calendar year, else undefined. */
function talliedPeriod(months: string[]): string | undefined {
  const year = months[0]!.slice(0, 4);
  if (months.length === 1) return months[0]!;
  return months.length === 12 && months[0] === `${year}-01` && months[11] === `${year}-12` ? year : undefined;
}

/** Count and value per group and cash/cashless: from the monthly rollups when the range is whole months. */
function paymentRows(db: DbOrTx, q: MetricsQuery, codes: SQL, months: string[] | undefined) {
  if (months) {
    return queryRows<PaymentRow>(
      db,
      sql`select ${groupKey(q.groupBy, q.unitPath, sql`month`)} as key, channel = 'cash' as cash,
                 sum(count)::bigint as count, sum(value)::bigint as value
          from payment_month_rollups
          where unit_code = ${codes} and month between ${`${months[0]}-01`}::date and ${`${months.at(-1)}-01`}::date
          group by 1, 2`,
    );
  }
  return queryRows<PaymentRow>(
    db,
    sql`select ${groupKey(q.groupBy, q.unitPath)} as key, channel = 'cash' as cash, sum(count)::bigint as count,
               sum(value)::bigint as value
        from payment_rollups
        where unit_code = ${codes} and day between ${q.from}::date and ${q.to}::date
        group by 1, 2`,
  );
}

/**
 * Distinct payers and adopters read from payer_tallies, when the range is whole months and the query
 * asks for figures that are tallied: the total over one month or one calendar year, by category over
 * one month, by month, by child unit. Undefined otherwise (by channel or day, several months that are
 * not a year): then the payer sets are counted.
 */
async function talliedPayerRows(
  db: DbOrTx,
  q: MetricsQuery,
  months: string[],
  children: string[],
): Promise<PayerRow[] | undefined> {
  const period = talliedPeriod(months);
  if (period === undefined) return undefined;
  const read = (where: SQL, key: SQL, total: boolean) =>
    sql`select ${key} as key, ${sql.raw(String(total))} as total, cash, payers::int as payers, adopters::int as adopters
        from payer_tallies where ${where} and payers <> 0`;
  const total = read(sql`unit_code = ${q.unitCode} and period = ${period} and category = ''`, sql`''`, true);
  const parts: SQL[] = [total];
  switch (q.groupBy) {
    case undefined:
      break;
    case 'category':
      if (months.length !== 1) return undefined;
      parts.push(
        read(sql`unit_code = ${q.unitCode} and period = ${period} and category <> ''`, sql`category`, false),
      );
      break;
    case 'month':
      parts.push(
        read(
          sql`unit_code = ${q.unitCode} and period = any(string_to_array(${months.join(',')}, ',')) and category = ''`,
          sql`period`,
          false,
        ),
      );
      break;
    case 'unit':
      if (children.length > 0)
        parts.push(
          read(
            sql`unit_code = any(string_to_array(${children.join(',')}, ',')) and period = ${period} and category = ''`,
            sql`unit_code`,
            false,
          ),
        );
      break;
    default:
      return undefined;
  }
  const [rows, own] = await Promise.all([
    queryRows<PayerRow>(db, sql.join(parts, sql` union all `)),
    // By unit, payers counted on the unit itself (not in any child) are their own group, '': that set is
    // the unit's own rows only, counted as a set.
    q.groupBy === 'unit' ? payerSetRows(db, { ...q, groupBy: undefined }, sql`${q.unitCode}`) : [],
  ]);
  return [...rows, ...own.map((r) => ({ ...r, total: false }))];
}

/**
 * Distinct payers per group and in total, counted from the payer sets (a payer in two groups counts once
 * in the total); a payer is an adopter when its key is a household's code. Whole months are read from
 * the monthly set (not when grouping by day), edge days from the daily one.
 */
function payerSetRows(db: DbOrTx, q: MetricsQuery, codes: SQL): Promise<PayerRow[]> {
  const key = groupKey(q.groupBy, q.unitPath);
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
  // Without a groupBy only the total is asked for: one DISTINCT and one households join. With one, the
  // households are joined once, on the distinct (group, cash, payer) sets, and the total set is taken from
  // those. Measured with EXPLAIN ANALYZE on the bench's 10M payments (a commune's month): the query
  // without a groupBy took a third of the time of the previous form, which built the per-group sets and
  // hashed the households twice.
  return q.groupBy
    ? queryRows<PayerRow>(
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
    : queryRows<PayerRow>(
        db,
        sql`select '' as key, true as total, t.cash, count(*)::int as payers, count(h.code)::int as adopters
            from (select distinct cash, payer_key from (${sql.join(payerRows, sql` union all `)}) s) t
            left join households h on h.code = t.payer_key
            group by t.cash`,
      );
}

/**
 * Count, value, distinct payers and adopting households: in total and per group. A range of whole months
 * (see wholeMonths) reads the monthly rollups and, where tallied, payer_tallies: a few index lookups
 * whatever the number of payers. Otherwise the daily rollups and the payer sets. Both give the same figures.
 */
export async function cashlessFigures(db: DbOrTx, q: MetricsQuery): Promise<CashlessFigures> {
  const codes = await subtreeCodes(db, q.unitPath);
  const months = q.groupBy === 'day' ? undefined : await wholeMonths(db, codes.all, q.from, q.to);
  const [payments, payers] = await Promise.all([
    paymentRows(db, q, codes.all, months),
    (months ? talliedPayerRows(db, q, months, codes.children) : Promise.resolve(undefined)).then(
      (tallied) => tallied ?? payerSetRows(db, q, codes.all),
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

/** Households per direct child of the unit (for groupBy=unit), counted unit by unit as in countHouseholds. */
export async function householdsByChild(db: DbOrTx, unitPath: string): Promise<Map<string, number>> {
  const rows = await queryRows<{ child: string; n: number }>(
    db,
    sql`select split_part(substr(u.path, ${unitPath.length + 1}), '/', 1) as child, sum(h.n)::int as n
        from units u cross join lateral (select count(*) as n from households h where h.unit_code = u.code) h
        where ${pathRange(sql`u.path`, unitPath)}
        group by 1
        having sum(h.n) > 0`,
  );
  return new Map(rows.map((r) => [r.child, r.n]));
}

export type MarketFigures = { stalls: number; stallsWithQr: number; stallsPaidByQr: number };

/**
 * Market stalls (market_vendor payees) under the unit. Every payee has a bank account and so a static
 * VietQR (GET /v1/payees/{id}/qr.svg): stallsWithQr counts all of them. stallsPaidByQr counts those with at
 * least one cashless payment (QR, transfer or e-wallet, net of undos) in the period.
 *
 * Over a whole month or calendar year that is stall_tallies' row: one lookup, whatever the number of
 * stalls. A range reads as its whole month(s) when no payee was paid on the days of its months outside it
 * (checked on payee_rollups' day index: "this month so far" has no payments after today), as in
 * wholeMonths. Otherwise each stall is looked up in payee_rollups: a row above 0 in the period. An undo is
 * recorded on its payment's day and channel (the booked time of the transaction), so it nets out in the
 * same row and a row never stays below 0: "a row above 0" is "the rows sum above 0", and the lookup stops
 * at the first such row instead of summing a year of days.
 */
export async function marketFigures(
  db: DbOrTx,
  unit: { code: string; path: string },
  from: string,
  to: string,
): Promise<MarketFigures> {
  const period = talliedPeriod(eachMonth(from, to));
  const tallied =
    period !== undefined &&
    (await nothingOutside(db, from, to, (d) => [
      sql`exists (select 1 from payee_rollups where day between ${d.from}::date and ${d.to}::date)`,
    ]));
  const paid = tallied
    ? sql`coalesce((select stalls from stall_tallies where unit_code = ${unit.code} and period = ${period}), 0)`
    : sql`count(*) filter (where exists (
            select 1 from payee_rollups r
            where r.payee_id = p.id and r.day between ${from}::date and ${to}::date and r.channel <> 'cash'
              and r.count > 0))`;
  const [row] = await queryRows<{ stalls: number; paid: number }>(
    db,
    sql`select count(*)::int as stalls, ${paid}::int as paid
        from payees p join units u on u.code = p.unit_code
        where p.kind = 'market_vendor' and ${pathRange(sql`u.path`, unit.path)}`,
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
