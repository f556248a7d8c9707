/**
 * The money invariants, as read-only SQL. Each check is one statement that returns at most
 * `sampleSize` offending rows per problem plus the full count, so it is safe on a production database:
 * it changes nothing, its output is bounded, and the caller sets a statement timeout.
 *
 * What "right" means here follows the writers:
 * - a transaction's allocations (not reversed; refund links included, as the matcher and
 *   `allocateByHand` add them to `allocated_amount`) never exceed its amount and equal `allocated_amount`;
 *   matched / overpaid / duplicate ones are allocated in full, pending / unmatched / ignored ones not at
 *   all, and the matcher allocates a transaction at most once (one `auto` allocation);
 * - a payment request's `paid_amount` is the sum of its allocations and its cash payments
 *   (`applyPaymentToRequest` adds both, refunds-due included), and an open-ended status agrees with it;
 * - the outbox drains, and every stored callback event becomes a transaction (the relay and the sweep);
 * - no row points at a row that does not exist where no foreign key guarantees it.
 */
import { type SQL, sql } from 'drizzle-orm';
import { type DbOrTx, queryRows } from '../db/client.js';

export type InvariantOptions = {
  /** An outbox row older than this many seconds means the relay is not moving (default 300). */
  outboxMaxAgeS: number;
  /** A callback event older than this with no transaction escaped the relay and the sweep (default 900). */
  eventMaxAgeS: number;
  /** Offending rows listed per problem (the count is always complete). */
  sampleSize: number;
};

export const defaultInvariantOptions: InvariantOptions = {
  outboxMaxAgeS: 300,
  eventMaxAgeS: 900,
  sampleSize: 10,
};

export type Violation = { problem: string; count: number; sample: Record<string, unknown>[] };

/** One invariant and what the database says about it. */
export type InvariantResult = { name: string; description: string; violations: Violation[] };

type Check = {
  name: string;
  description: string;
  /** One statement whose rows carry `problem` (text) and anything that helps find the row. */
  query(o: InvariantOptions): SQL;
};

/** Runs a check's query, keeping `sampleSize` rows and the full count per problem. */
async function runCheck(db: DbOrTx, check: Check, o: InvariantOptions): Promise<InvariantResult> {
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`with v as (${check.query(o)}),
        r as (select v.*, count(*) over (partition by problem) as problem_count,
                     row_number() over (partition by problem) as problem_row from v)
        select * from r where problem_row <= ${o.sampleSize} order by problem, problem_row`,
  );
  const byProblem = new Map<string, Violation>();
  for (const { problem, problem_count, problem_row: _, ...rest } of rows) {
    const key = String(problem);
    let v = byProblem.get(key);
    if (!v) {
      v = { problem: key, count: Number(problem_count), sample: [] };
      byProblem.set(key, v);
    }
    v.sample.push(plain(rest));
  }
  return { name: check.name, description: check.description, violations: [...byProblem.values()] };
}

/** Dates as ISO strings, int8 as numbers: the same report whichever driver read it. */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [
      k,
      v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? Number(v) : v,
    ]),
  );
}

export const checks: Check[] = [
  {
    name: 'transaction-allocations',
    description:
      'No transaction is over-allocated; allocated_amount equals its allocations; matched/overpaid/duplicate ones are fully allocated, pending/unmatched/ignored ones not at all; at most one automatic allocation each',
    query: () => sql`
      with a as (
        select transaction_id, sum(amount)::int8 as allocated, count(*) filter (where source = 'auto')::int8 as autos
        from allocations where reversed_at is null group by transaction_id
      ), t as (
        select t.id, t.status, t.amount::int8 as amount, t.allocated_amount::int8 as allocated_amount,
               coalesce(a.allocated, 0)::int8 as allocations, coalesce(a.autos, 0)::int8 as auto_allocations
        from transactions t left join a on a.transaction_id = t.id
      )
      select case
          when allocations > amount then 'over-allocated'
          when auto_allocations > 1 then 'allocated automatically more than once'
          when allocated_amount <> allocations then 'allocated_amount differs from its allocations'
          when status in ('matched', 'overpaid', 'duplicate') and allocations <> amount then 'decided but not fully allocated'
          when status = 'partial' and allocations = 0 then 'partial without allocations'
          when status in ('pending', 'unmatched', 'ignored') and allocations <> 0 then 'undecided but allocated'
        end as problem, t.*
      from t
      where allocations > amount or auto_allocations > 1 or allocated_amount <> allocations
         or (status in ('matched', 'overpaid', 'duplicate') and allocations <> amount)
         or (status = 'partial' and allocations = 0)
         or (status in ('pending', 'unmatched', 'ignored') and allocations <> 0)`,
  },
  {
    name: 'request-paid-amounts',
    description:
      'Each payment request’s paidAmount equals the sum of its allocations and its cash payments, and its status agrees with it',
    query: () => sql`
      with a as (
        select payment_request_id, sum(amount)::int8 as s from allocations
        where reversed_at is null and payment_request_id is not null group by payment_request_id
      ), c as (
        select payment_request_id, sum(amount)::int8 as s from cash_payments
        where payment_request_id is not null group by payment_request_id
      ), r as (
        select r.id, r.reference, r.status, r.amount::int8 as amount, r.paid_amount::int8 as paid_amount,
               coalesce(a.s, 0)::int8 as allocations, coalesce(c.s, 0)::int8 as cash
        from payment_requests r
        left join a on a.payment_request_id = r.id
        left join c on c.payment_request_id = r.id
      )
      select case
          when paid_amount <> allocations + cash then 'paidAmount differs from allocations + cash'
          else 'status disagrees with paidAmount'
        end as problem, r.*
      from r
      where paid_amount <> allocations + cash
         or (status not in ('expired', 'cancelled') and status <> case
              when paid_amount <= 0 then 'open'
              when paid_amount < amount then 'partially_paid'
              when paid_amount = amount then 'paid'
              else 'overpaid' end)`,
  },
  {
    name: 'outbox-drained',
    description: 'The outbox holds nothing older than the allowed age (the relay is moving)',
    query: (o) => sql`
      select 'outbox row waiting too long' as problem, id, topic, ref_id, created_at
      from outbox where created_at < now() - make_interval(secs => ${o.outboxMaxAgeS})`,
  },
  {
    name: 'callbacks-processed',
    description:
      'Every stored callback event older than the allowed age has become a transaction (the relay and the sweep got it)',
    query: (o) => sql`
      select 'callback event without a transaction' as problem, e.id, e.provider, e.provider_event_id, e.received_at,
             exists (select 1 from outbox ob where ob.topic = 'callback' and ob.ref_id = e.id) as in_outbox
      from callback_events e
      where e.received_at < now() - make_interval(secs => ${o.eventMaxAgeS})
        and not exists (select 1 from transaction_sources s where s.callback_event_id = e.id)`,
  },
  {
    name: 'transaction-channels',
    description:
      'Every transaction lists exactly the channels of its sources (the cross-channel lookup reads the list)',
    query: () => sql`
      select 'transaction channels differ from its sources' as problem, t.id::text as id, t.channels::text as listed,
             s.channels::text as sources
      from transactions t
      left join (select transaction_id, array_agg(distinct channel order by channel) as channels
                 from transaction_sources group by transaction_id) s on s.transaction_id = t.id
      where array(select unnest(t.channels) order by 1) is distinct from coalesce(s.channels, '{}')`,
  },
  {
    name: 'no-orphans',
    description:
      'No row points at a missing row where no foreign key guarantees it (allocations, transaction sources, outbox), and every transaction has a source',
    query: () => sql`
      select 'allocation without its transaction' as problem, a.id::text as id, a.transaction_id::text as ref
        from allocations a where not exists (select 1 from transactions t where t.id = a.transaction_id)
      union all
      select 'allocation of a missing payment request', a.id::text, a.payment_request_id::text
        from allocations a
        where a.kind = 'request'
          and (a.payment_request_id is null
               or not exists (select 1 from payment_requests r where r.id = a.payment_request_id))
      union all
      select 'allocation to a missing payee', a.id::text, a.payee_id::text
        from allocations a where not exists (select 1 from payees p where p.id = a.payee_id)
      union all
      select 'transaction source of a missing callback event', s.id::text, s.callback_event_id::text
        from transaction_sources s
        where s.callback_event_id is not null
          and not exists (select 1 from callback_events e where e.id = s.callback_event_id)
      union all
      select 'transaction source of a missing statement line', s.id::text, s.statement_line_id::text
        from transaction_sources s
        where s.statement_line_id is not null
          and not exists (select 1 from statement_lines l where l.id = s.statement_line_id)
      union all
      select 'transaction without a source', t.id::text, null
        from transactions t where not exists (select 1 from transaction_sources s where s.transaction_id = t.id)
      union all
      select 'outbox row of a missing callback event', o.id::text, o.ref_id::text
        from outbox o
        where o.topic = 'callback' and not exists (select 1 from callback_events e where e.id = o.ref_id)`,
  },
];

/** Runs every SQL check on one read-only snapshot; `statementTimeoutMs` bounds each statement. */
export async function checkTables(
  db: DbOrTx,
  options: Partial<InvariantOptions> & { statementTimeoutMs?: number } = {},
): Promise<InvariantResult[]> {
  const o = { ...defaultInvariantOptions, ...options };
  const timeout = Math.max(0, Math.floor(options.statementTimeoutMs ?? 60_000));
  return db.transaction(
    async (tx) => {
      // SET cannot take a parameter; the value is an integer we computed.
      await tx.execute(sql.raw(`set local statement_timeout = ${timeout}`));
      const out: InvariantResult[] = [];
      for (const check of checks) out.push(await runCheck(tx, check, o));
      return out;
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}
