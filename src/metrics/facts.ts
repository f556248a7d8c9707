import { sql } from 'drizzle-orm';
import { type DbOrTx, queryRows } from '../db/client.js';
import { vnDay } from './day.js';

export const channels = ['qr', 'transfer', 'ewallet', 'cash'] as const;
export type Channel = (typeof channels)[number];

/**
 * One payment as the cashless ratios count it. Cash payments and allocations of cashless transactions
 * are recorded as facts in the same database transaction that stores them, so the rollups move exactly
 * once with the money. An undo (a reversed allocation) is a fact with negative count and value.
 */
export type PaymentFact = {
  channel: Channel;
  /** +1 for a new payment, -1 when one is undone, 0 when only its amount changes. */
  count: number;
  /** Signed whole VND. */
  value: number;
  /** When the money moved (booked time of a transaction, paid time of cash); its day is taken in Asia/Ho_Chi_Minh. */
  occurredAt: Date;
  /** Where the payment counts: the payer household's unit when known, else the payee's unit. */
  unitCode: string;
  payeeId: string;
  payeeKind: string;
  category: string;
  /** Household code when known, else the payer reference; null when the payer is unknown. */
  payerKey: string | null;
};

export class UnknownFactUnitError extends Error {
  override name = 'UnknownFactUnitError';
  constructor(readonly unitCode: string) {
    super(`Payment fact names unit ${unitCode}, which does not exist`);
  }
}

/**
 * The CTEs that move payee_rollups, stall_period_rollups and stall_tallies by the facts of a CTE `f`
 * (day, payee_id, channel, count, value), each table's rows upserted in key order. stall_period_rollups
 * counts a market stall's (a market_vendor payee's) cashless payee_rollups rows above 0 per month and year:
 * a row that crossed 0 moves its month and year, and a count that crossed 0 moves the stall tally of every
 * scope on the stall's own unit's path (a payment's unit may be its payer's). A row's old count is its new
 * count less what this statement added. So only a stall's first payment of a day by a channel, or the undo
 * of its last, writes past payee_rollups.
 */
const payeeAndStallCtes = sql`
      payee_facts as (
        select payee_id, day, channel, sum(count)::bigint as count, sum(value)::bigint as value
        from f group by payee_id, day, channel
      ),
      payee_days as (
        insert into payee_rollups (day, payee_id, channel, count, value)
        select day, payee_id, channel, count, value from payee_facts
        order by payee_id, day, channel
        on conflict (payee_id, day, channel) do update
          set count = payee_rollups.count + excluded.count, value = payee_rollups.value + excluded.value
        returning payee_id, day, channel, count
      ),
      stall_facts as (
        select d.payee_id, p.period, e.unit_code, sum(case when d.count > 0 then 1 else -1 end)::bigint as count
        from payee_days d join payee_facts pf using (payee_id, day, channel)
        join payees e on e.id = d.payee_id and e.kind = 'market_vendor'
        cross join lateral (values (to_char(d.day, 'YYYY-MM')), (to_char(d.day, 'YYYY'))) p(period)
        where d.channel <> 'cash' and (d.count > 0) <> (d.count - pf.count > 0)
        group by 1, 2, 3
        having sum(case when d.count > 0 then 1 else -1 end) <> 0
      ),
      stall_periods as (
        insert into stall_period_rollups (payee_id, period, count)
        select payee_id, period, count from stall_facts
        order by payee_id, period
        on conflict (payee_id, period) do update set count = stall_period_rollups.count + excluded.count
        returning payee_id, period, count
      ),
      stall_moves as (
        select s.code as unit_code, sp.period,
               sum(case when sp.count > 0 and sp.count - sf.count <= 0 then 1
                        when sp.count <= 0 and sp.count - sf.count > 0 then -1
                        else 0 end) as stalls
        from stall_periods sp join stall_facts sf using (payee_id, period)
        join units u on u.code = sf.unit_code
        cross join lateral unnest(string_to_array(trim(both '/' from u.path), '/')) s(code)
        group by 1, 2
      ),
      stalls as (
        insert into stall_tallies (unit_code, period, stalls)
        select unit_code, period, stalls from stall_moves where stalls <> 0
        order by unit_code, period
        on conflict (unit_code, period) do update set stalls = stall_tallies.stalls + excluded.stalls
        returning 1
      )`;

/**
 * The CTEs that move payment_month_rollups, payer_scope_rollups and payer_tallies by the facts of a CTE
 * `f` (day, month, unit_code, unit_path, category, channel, payer_key, count, value), each table's rows
 * upserted in key order. A payer counts in every scope on its unit's path (the unit and each unit above),
 * in the month under its category and under '' (all categories), and in the year under ''. The tallies move
 * by the scope rows that crossed 0: the row's old count is its new count less what this statement added.
 */
const monthAndScopeCtes = sql`
      payment_months as (
        insert into payment_month_rollups (month, unit_code, unit_path, category, channel, count, value)
        select month, unit_code, unit_path, category, channel, sum(count), sum(value)
        from f group by unit_code, month, category, channel, unit_path
        order by unit_code, month, category, channel
        on conflict (unit_code, month, category, channel) do update
          set count = payment_month_rollups.count + excluded.count,
              value = payment_month_rollups.value + excluded.value
        returning 1
      ),
      payer_facts as (
        select f.*, exists (select 1 from households h where h.code = f.payer_key) as household
        from f where f.payer_key is not null and f.count <> 0
      ),
      scope_facts as (
        select s.code as unit_code, p.period, f.channel = 'cash' as cash, p.category, f.payer_key,
               bool_or(f.household) as household, sum(f.count)::bigint as count
        from payer_facts f
        cross join lateral unnest(string_to_array(trim(both '/' from f.unit_path), '/')) s(code)
        cross join lateral (values (to_char(f.month, 'YYYY-MM'), f.category), (to_char(f.month, 'YYYY-MM'), ''),
                                   (to_char(f.month, 'YYYY'), '')) p(period, category)
        group by 1, 2, 3, 4, 5
        having sum(f.count) <> 0
      ),
      scopes as (
        insert into payer_scope_rollups (unit_code, period, cash, category, payer_key, count, household)
        select sf.unit_code, sf.period, sf.cash, sf.category, sf.payer_key, sf.count, sf.household
        from scope_facts sf
        order by sf.unit_code, sf.period, sf.cash, sf.category, sf.payer_key
        on conflict (unit_code, period, cash, category, payer_key) do update
          set count = payer_scope_rollups.count + excluded.count
        returning unit_code, period, cash, category, payer_key, count, household
      ),
      tally_moves as (
        select s.unit_code, s.period, s.cash, s.category, m.payers,
               case when s.household and not s.cash then m.payers else 0 end as adopters
        from scopes s join scope_facts sf using (unit_code, period, cash, category, payer_key)
        cross join lateral (select case when s.count > 0 and s.count - sf.count <= 0 then 1
                                        when s.count <= 0 and s.count - sf.count > 0 then -1
                                        else 0 end as payers) m
        where m.payers <> 0
      ),
      tallies as (
        insert into payer_tallies (unit_code, period, cash, category, payers, adopters)
        select unit_code, period, cash, category, sum(payers), sum(adopters)
        from tally_moves group by unit_code, period, cash, category
        order by unit_code, period, cash, category
        on conflict (unit_code, period, cash, category) do update
          set payers = payer_tallies.payers + excluded.payers, adopters = payer_tallies.adopters + excluded.adopters
        returning 1
      )`;

/**
 * Applies a payment fact to the rollups (payment_rollups, payment_month_rollups, payer_rollups,
 * payer_month_rollups, payee_rollups, payer_scope_rollups, payer_tallies, stall_period_rollups,
 * stall_tallies), inside the caller's
 * transaction: the caller's commit stores the money and its metrics together or neither.
 *
 * One statement of upserts, always in the same table order, so concurrent callers lock rollup
 * rows in one order. An unknown unit throws (and so rolls the caller back) rather than losing the fact.
 */
export async function recordPaymentFact(db: DbOrTx, fact: PaymentFact): Promise<void> {
  if (!Number.isInteger(fact.count) || !Number.isSafeInteger(fact.value)) {
    throw new RangeError('A payment fact has an integer count and whole-VND value');
  }
  const day = vnDay(fact.occurredAt);
  const month = `${day.slice(0, 7)}-01`;
  const [row] = await queryRows<{ units: number }>(
    db,
    sql`
      with u as (select code, path from units where code = ${fact.unitCode}),
      f as (
        select ${day}::date as day, ${month}::date as month, u.code as unit_code, u.path as unit_path,
               ${fact.payeeId}::uuid as payee_id,
               ${fact.category}::text as category, ${fact.channel}::text as channel,
               ${fact.payerKey}::text as payer_key, ${fact.count}::bigint as count, ${fact.value}::bigint as value
        from u
      ),
      payments as (
        insert into payment_rollups (day, unit_code, unit_path, payee_kind, category, channel, count, value)
        select ${day}::date, u.code, u.path, ${fact.payeeKind}, ${fact.category}, ${fact.channel},
               ${fact.count}::bigint, ${fact.value}::bigint
        from u
        on conflict (unit_code, day, payee_kind, category, channel) do update
          set count = payment_rollups.count + excluded.count, value = payment_rollups.value + excluded.value
        returning 1
      ),
      payers as (
        insert into payer_rollups (day, unit_code, unit_path, category, channel, payer_key, count)
        select ${day}::date, u.code, u.path, ${fact.category}, ${fact.channel}, ${fact.payerKey}::text,
               ${fact.count}::bigint
        from u
        where ${fact.payerKey}::text is not null and ${fact.count}::bigint <> 0
        on conflict (unit_code, day, category, channel, payer_key) do update
          set count = payer_rollups.count + excluded.count
        returning 1
      ),
      payer_months as (
        insert into payer_month_rollups (month, unit_code, unit_path, category, channel, payer_key, count)
        select ${month}::date, u.code, u.path, ${fact.category}, ${fact.channel}, ${fact.payerKey}::text,
               ${fact.count}::bigint
        from u
        where ${fact.payerKey}::text is not null and ${fact.count}::bigint <> 0
        on conflict (unit_code, month, category, channel, payer_key) do update
          set count = payer_month_rollups.count + excluded.count
        returning 1
      ),
      ${payeeAndStallCtes},
      ${monthAndScopeCtes}
      select (select count(*) from u)::int as units,
             (select count(*) from payments)::int as p,
             (select count(*) from payment_months)::int as pm,
             (select count(*) from payers)::int as r,
             (select count(*) from payer_months)::int as m,
             (select count(*) from payee_days)::int as e,
             (select count(*) from tallies)::int as t,
             (select count(*) from stalls)::int as s`,
  );
  if (!row || row.units === 0) throw new UnknownFactUnitError(fact.unitCode);
  if (fact.count < 0 && fact.payerKey !== null) {
    // The payer's last payment in this slice was undone: they are no longer a payer there. Only an exact
    // 0 goes: the net count is a sum, so the rows left do not depend on the order facts arrived in.
    // One statement for the three payer tables (the scope rows of every unit on the fact's path).
    await db.execute(sql`
      with payers as (
        delete from payer_rollups
        where unit_code = ${fact.unitCode} and day = ${day}::date and category = ${fact.category}
          and channel = ${fact.channel} and payer_key = ${fact.payerKey} and count = 0
        returning 1
      ),
      payer_months as (
        delete from payer_month_rollups
        where unit_code = ${fact.unitCode} and month = ${month}::date and category = ${fact.category}
          and channel = ${fact.channel} and payer_key = ${fact.payerKey} and count = 0
        returning 1
      )
      delete from payer_scope_rollups
      where unit_code = any(string_to_array(trim(both '/' from (select path from units where code = ${fact.unitCode})), '/'))
        and cash = ${fact.channel === 'cash'} and payer_key = ${fact.payerKey} and count = 0
        and ((period = ${month.slice(0, 7)} and category in (${fact.category}, ''))
             or (period = ${month.slice(0, 4)} and category = ''))`);
  }
}

/**
 * Applies many payment facts (a matcher batch) in one statement: the facts of one rollup row are summed
 * first, and each table's rows are upserted in key order, the tables in the same order as
 * `recordPaymentFact`, so concurrent writers lock rollup rows in one order. The rollups end exactly as
 * after the facts one by one (sums do not depend on order). Undo facts (negative counts), which may
 * delete payer rows, go one by one.
 */
export async function recordPaymentFacts(db: DbOrTx, facts: PaymentFact[]): Promise<void> {
  if (facts.length === 0) return;
  if (facts.some((f) => f.count < 0)) {
    for (const f of facts) await recordPaymentFact(db, f);
    return;
  }
  const rows = facts.map((fact) => {
    if (!Number.isInteger(fact.count) || !Number.isSafeInteger(fact.value)) {
      throw new RangeError('A payment fact has an integer count and whole-VND value');
    }
    const day = vnDay(fact.occurredAt);
    return {
      day,
      month: `${day.slice(0, 7)}-01`,
      unit_code: fact.unitCode,
      payee_kind: fact.payeeKind,
      category: fact.category,
      channel: fact.channel,
      payee_id: fact.payeeId,
      payer_key: fact.payerKey,
      count: fact.count,
      value: fact.value,
    };
  });
  const units = [...new Set(rows.map((r) => r.unit_code))];
  const [row] = await queryRows<{ found: string[] | string }>(
    db,
    sql`
      with f as (
        select f.*, u.path as unit_path
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as f(day date, month date, unit_code text,
          payee_kind text, category text, channel text, payee_id uuid, payer_key text, count bigint, value bigint)
        join units u on u.code = f.unit_code
      ),
      payments as (
        insert into payment_rollups (day, unit_code, unit_path, payee_kind, category, channel, count, value)
        select day, unit_code, unit_path, payee_kind, category, channel, sum(count), sum(value)
        from f group by unit_code, day, payee_kind, category, channel, unit_path
        order by unit_code, day, payee_kind, category, channel
        on conflict (unit_code, day, payee_kind, category, channel) do update
          set count = payment_rollups.count + excluded.count, value = payment_rollups.value + excluded.value
        returning 1
      ),
      payers as (
        insert into payer_rollups (day, unit_code, unit_path, category, channel, payer_key, count)
        select day, unit_code, unit_path, category, channel, payer_key, sum(count)
        from f where payer_key is not null and count <> 0
        group by unit_code, day, category, channel, payer_key, unit_path
        order by unit_code, day, category, channel, payer_key
        on conflict (unit_code, day, category, channel, payer_key) do update
          set count = payer_rollups.count + excluded.count
        returning 1
      ),
      payer_months as (
        insert into payer_month_rollups (month, unit_code, unit_path, category, channel, payer_key, count)
        select month, unit_code, unit_path, category, channel, payer_key, sum(count)
        from f where payer_key is not null and count <> 0
        group by unit_code, month, category, channel, payer_key, unit_path
        order by unit_code, month, category, channel, payer_key
        on conflict (unit_code, month, category, channel, payer_key) do update
          set count = payer_month_rollups.count + excluded.count
        returning 1
      ),
      ${payeeAndStallCtes},
      ${monthAndScopeCtes}
      select (select count(*) from payments)::int as p,
             (select count(*) from payment_months)::int as pm,
             (select count(*) from payers)::int as r,
             (select count(*) from payer_months)::int as m,
             (select count(*) from payee_days)::int as e,
             (select count(*) from tallies)::int as t,
             (select count(*) from stalls)::int as s,
             (select coalesce(jsonb_agg(distinct unit_code), '[]'::jsonb) from f) as found`,
  );
  // A fact of an unknown unit would be lost: throw, so the caller's transaction rolls back.
  const found = row?.found ?? [];
  const known = new Set<string>(typeof found === 'string' ? JSON.parse(found) : found);
  const missing = units.find((u) => !known.has(u));
  if (missing !== undefined) throw new UnknownFactUnitError(missing);
}

/**
 * A household registered after payments under its code were recorded (a payer reference that is the new
 * household's code) makes that payer an adopter, as a read that joins the households would count it: its
 * scope rows are marked, and the cashless tallies where it is a payer gain an adopter. In the same table
 * and key order as the fact writers. Called with the codes of the households just created.
 */
export async function noteHouseholds(db: DbOrTx, codes: string[]): Promise<void> {
  if (codes.length === 0) return;
  await db.execute(sql`
    with locked as (
      select unit_code, period, cash, category, payer_key from payer_scope_rollups
      where payer_key in (select jsonb_array_elements_text(${JSON.stringify(codes)}::jsonb)) and not household
      order by unit_code, period, cash, category, payer_key
      for update
    ),
    marked as (
      update payer_scope_rollups r set household = true
      from locked l
      where (r.unit_code, r.period, r.cash, r.category, r.payer_key) = (l.unit_code, l.period, l.cash, l.category, l.payer_key)
      returning r.unit_code, r.period, r.cash, r.category, r.count
    )
    insert into payer_tallies (unit_code, period, cash, category, payers, adopters)
    select unit_code, period, cash, category, 0, count(*) from marked
    where count > 0 and not cash
    group by unit_code, period, cash, category
    order by unit_code, period, cash, category
    on conflict (unit_code, period, cash, category) do update
      set adopters = payer_tallies.adopters + excluded.adopters`);
}
