/**
 * A payee's money events: written by the matcher and by cash recording inside their own database
 * transactions (one call each), read by the live screens' poller. Per-payee sequence numbers are
 * taken under a row lock held to commit (see tables.ts), so "everything after seq N" never misses a
 * payment that commits late.
 */
import { sql } from 'drizzle-orm';
import { type DbOrTx, queryRows } from '../db/client.js';
import { vnDay } from '../metrics/day.js';
import { getPaymentRequest } from '../payment-requests/store.js';
import { getTransaction } from '../transactions/store.js';

export const payeeEventKinds = ['allocation', 'cash_payment'] as const;
export type PayeeEventKind = (typeof payeeEventKinds)[number];

/** What a screen shows of the request a payment paid; fixed at payment time (it never changes after). */
export type PaidRequest = {
  id: string;
  reference: string;
  payerRef: string | null;
  payerName: string | null;
  payerGroup: string | null;
  category: string;
};

export type PayeeEvent = {
  payeeId: string;
  seq: number;
  kind: PayeeEventKind;
  sourceId: string;
  channel: string;
  amount: number;
  refundDue: boolean;
  saleCount: number;
  paymentRequest: PaidRequest | null;
  occurredAt: Date;
  createdAt: Date;
};

type NewPayeeEvent = Omit<PayeeEvent, 'seq' | 'createdAt'>;

/** Takes the payee's next sequence number and stores the event, in one statement of the caller's transaction. */
async function insertPayeeEvent(tx: DbOrTx, e: NewPayeeEvent): Promise<number> {
  const [row] = await queryRows<{ seq: number }>(
    tx,
    sql`with head as (
          insert into payee_event_heads (payee_id, last_seq) values (${e.payeeId}, 1)
          on conflict (payee_id) do update set last_seq = payee_event_heads.last_seq + 1
          returning last_seq
        )
        insert into payee_events (payee_id, seq, kind, source_id, channel, amount, refund_due, sale_count,
          payment_request_id, details, occurred_at)
        select ${e.payeeId}, head.last_seq, ${e.kind}, ${e.sourceId}, ${e.channel}, ${e.amount}, ${e.refundDue},
          ${e.saleCount}, ${e.paymentRequest?.id ?? null},
          ${e.paymentRequest ? JSON.stringify(e.paymentRequest) : null}::jsonb, ${e.occurredAt.toISOString()}::timestamptz
        from head
        returning seq`,
  );
  return Number(row!.seq);
}

async function paidRequest(tx: DbOrTx, id: string | null): Promise<PaidRequest | null> {
  if (!id) return null;
  const r = await getPaymentRequest(tx, id);
  return r
    ? {
        id: r.id,
        reference: r.reference,
        payerRef: r.payerRef,
        payerName: r.payerName,
        payerGroup: r.payerGroup,
        category: r.category,
      }
    : null;
}

/**
 * Records the event of an allocation (money by QR / transfer / e-wallet). Call it in the transaction
 * that inserts the allocation.
 */
export async function recordAllocationEvent(
  tx: DbOrTx,
  allocationId: string,
  a: {
    transactionId: string;
    payeeId: string;
    paymentRequestId: string | null;
    amount: number;
    refundDue: boolean;
    channel: string;
  },
): Promise<number> {
  const t = await getTransaction(tx, a.transactionId);
  return insertPayeeEvent(tx, {
    payeeId: a.payeeId,
    kind: 'allocation',
    sourceId: allocationId,
    channel: a.channel,
    amount: a.amount,
    refundDue: a.refundDue,
    saleCount: 1,
    paymentRequest: await paidRequest(tx, a.paymentRequestId),
    occurredAt: t?.bookedAt ?? new Date(),
  });
}

/** An allocation as its payee event shows it (what `recordAllocationEvent` reads, given instead). */
export type NewAllocationEvent = {
  /** The allocation's id. */
  id: string;
  transactionId: string;
  kind: 'request' | 'market_sale';
  payeeId: string;
  paymentRequestId: string | null;
  amount: number;
  refundDue: boolean;
  channel: string;
  paymentRequest: PaidRequest | null;
  /** The transaction's booking time. */
  occurredAt: Date;
};

/**
 * Records the events of many allocations in one statement (the matcher's batches): each payee's head
 * moves once by its number of events, in payee order (the order every writer locks heads in), and its
 * events take the sequence numbers in between, in the order given.
 */
export async function recordAllocationEvents(tx: DbOrTx, list: NewAllocationEvent[]): Promise<void> {
  if (list.length === 0) return;
  const rows = list.map((a, n) => ({
    n,
    payee_id: a.payeeId,
    source_id: a.id,
    channel: a.channel,
    amount: a.amount,
    refund_due: a.refundDue,
    payment_request_id: a.paymentRequestId,
    details: a.paymentRequest,
    occurred_at: a.occurredAt.toISOString(),
  }));
  await tx.execute(
    sql`with e as (
          select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as e(
            payee_id uuid, source_id uuid, channel text, amount bigint, refund_due boolean, payment_request_id uuid,
            details jsonb, occurred_at timestamptz, n int)
        ), counts as (
          select payee_id, count(*)::int8 as n from e group by payee_id
        ), head as (
          insert into payee_event_heads (payee_id, last_seq)
          select payee_id, n from counts order by payee_id
          on conflict (payee_id) do update set last_seq = payee_event_heads.last_seq + excluded.last_seq
          returning payee_id, last_seq
        )
        insert into payee_events (payee_id, seq, kind, source_id, channel, amount, refund_due, sale_count,
          payment_request_id, details, occurred_at)
        select e.payee_id, head.last_seq - counts.n + row_number() over (partition by e.payee_id order by e.n),
          'allocation', e.source_id, e.channel, e.amount, e.refund_due, 1, e.payment_request_id, e.details, e.occurred_at
        from e join head on head.payee_id = e.payee_id join counts on counts.payee_id = e.payee_id
        order by e.n`,
  );
}

/** Records the event of a cash payment. Call it in the transaction that inserts the cash payment. */
export async function recordCashPaymentEvent(
  tx: DbOrTx,
  c: {
    id: string;
    payeeId: string;
    amount: number;
    saleCount: number;
    paymentRequestId: string | null;
    paidAt: Date;
  },
): Promise<number> {
  return insertPayeeEvent(tx, {
    payeeId: c.payeeId,
    kind: 'cash_payment',
    sourceId: c.id,
    channel: 'cash',
    amount: c.amount,
    refundDue: false,
    saleCount: c.saleCount,
    paymentRequest: await paidRequest(tx, c.paymentRequestId),
    occurredAt: c.paidAt,
  });
}

type EventRow = {
  payee_id: string;
  seq: number;
  kind: PayeeEventKind;
  source_id: string;
  channel: string;
  amount: number;
  refund_due: boolean;
  sale_count: number;
  details: PaidRequest | string | null;
  occurred_at: string | Date;
  created_at: string | Date;
};

const eventColumns = sql`e.payee_id::text as payee_id, e.seq, e.kind, e.source_id::text as source_id, e.channel,
  e.amount, e.refund_due, e.sale_count, e.details, e.occurred_at, e.created_at`;

function toEvent(r: EventRow): PayeeEvent {
  const details = typeof r.details === 'string' ? (JSON.parse(r.details) as PaidRequest) : r.details;
  return {
    payeeId: r.payee_id,
    seq: Number(r.seq),
    kind: r.kind,
    sourceId: r.source_id,
    channel: r.channel,
    amount: Number(r.amount),
    refundDue: r.refund_due === true || (r.refund_due as unknown) === 't',
    saleCount: Number(r.sale_count),
    paymentRequest: details ?? null,
    occurredAt: new Date(r.occurred_at),
    createdAt: new Date(r.created_at),
  };
}

/** The payee's last sequence number (0 before its first event): where a new live screen starts. */
export async function payeeEventHead(db: DbOrTx, payeeId: string): Promise<number> {
  const [row] = await queryRows<{ last_seq: number }>(
    db,
    sql`select last_seq from payee_event_heads where payee_id = ${payeeId}`,
  );
  return row ? Number(row.last_seq) : 0;
}

export type EventCursor = { payeeId: string; after: number };

/**
 * Events after each cursor, oldest first, at most `perPayee` per payee: one indexed range scan per
 * payee (the poller's query, every half second while screens are open).
 */
export async function eventsAfter(
  db: DbOrTx,
  cursors: EventCursor[],
  perPayee: number,
): Promise<PayeeEvent[]> {
  if (cursors.length === 0) return [];
  const values = sql.join(
    cursors.map((c) => sql`(${c.payeeId}::uuid, ${c.after}::int8)`),
    sql`, `,
  );
  const rows = await queryRows<EventRow>(
    db,
    sql`select ${eventColumns}
        from (values ${values}) as c(payee_id, after)
        cross join lateral (
          select * from payee_events x where x.payee_id = c.payee_id and x.seq > c.after
          order by x.seq limit ${perPayee}
        ) e
        order by e.payee_id, e.seq`,
  );
  return rows.map(toEvent);
}

export type Tally = { count: number; value: number };
export type PayeeDay = {
  /** The sequence number the figures include everything up to: live events continue after it. */
  head: number;
  cashless: Tally;
  cash: Tally;
  /** The latest events of the period (up to `recent`), newest first. */
  recent: PayeeEvent[];
};

/**
 * A payee's takings in [from, to) and its latest events, as of one sequence number: the totals and the
 * head come from one statement (one snapshot), and the list stops at that head, so a screen that adds
 * live events after `head` counts each payment once. Money to be given back is not takings.
 */
export async function payeeTakings(
  db: DbOrTx,
  payeeId: string,
  from: Date,
  to: Date,
  recent: number,
): Promise<PayeeDay> {
  const [row] = await queryRows<{
    head: number;
    cashless_count: number;
    cashless_value: number;
    cash_count: number;
    cash_value: number;
  }>(
    db,
    sql`select coalesce((select last_seq from payee_event_heads where payee_id = ${payeeId}), 0)::int8 as head,
          count(*) filter (where kind = 'allocation' and not refund_due)::int8 as cashless_count,
          coalesce(sum(amount) filter (where kind = 'allocation' and not refund_due), 0)::int8 as cashless_value,
          coalesce(sum(sale_count) filter (where kind = 'cash_payment'), 0)::int8 as cash_count,
          coalesce(sum(amount) filter (where kind = 'cash_payment'), 0)::int8 as cash_value
        from payee_events
        where payee_id = ${payeeId} and occurred_at >= ${from.toISOString()}::timestamptz
          and occurred_at < ${to.toISOString()}::timestamptz`,
  );
  const head = Number(row?.head ?? 0);
  const rows = await queryRows<EventRow>(
    db,
    sql`select ${eventColumns} from payee_events e
        where e.payee_id = ${payeeId} and e.seq <= ${head}
          and e.occurred_at >= ${from.toISOString()}::timestamptz and e.occurred_at < ${to.toISOString()}::timestamptz
        order by e.seq desc limit ${recent}`,
  );
  return {
    head,
    cashless: { count: Number(row?.cashless_count ?? 0), value: Number(row?.cashless_value ?? 0) },
    cash: { count: Number(row?.cash_count ?? 0), value: Number(row?.cash_value ?? 0) },
    recent: rows.map(toEvent),
  };
}

/** Deletes events older than `before` (screens only look at today and a short resume window). */
export async function prunePayeeEvents(db: DbOrTx, before: Date, limit: number): Promise<number> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`delete from payee_events where id in (
          select id from payee_events where created_at < ${before.toISOString()}::timestamptz limit ${limit}
        ) returning id`,
  );
  return rows.length;
}

/** An event as the SSE stream and the pages send it. */
export function toEventMessage(e: PayeeEvent) {
  return {
    seq: e.seq,
    kind: e.kind,
    channel: e.channel,
    amount: e.amount,
    refundDue: e.refundDue,
    saleCount: e.saleCount,
    at: e.occurredAt.toISOString(),
    /** The calendar day in Asia/Ho_Chi_Minh, for "today" totals. */
    day: vnDay(e.occurredAt),
    paymentRequest: e.paymentRequest,
  };
}
export type EventMessage = ReturnType<typeof toEventMessage>;
