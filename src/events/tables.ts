import {
  bigint,
  bigserial,
  boolean,
  index,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { payees } from '../payees/tables.js';

/**
 * The last sequence number handed out per payee. Taking the next number is an UPDATE of this row, and
 * the row stays locked until the writing transaction commits, so a payee's numbers become visible in
 * commit order and without gaps (a rolled-back payment gives its number back). A bigserial id would
 * not do: id 6 can commit before id 5, and a reader that has seen 6 would never look back for 5.
 */
export const payeeEventHeads = pgTable('payee_event_heads', {
  payeeId: uuid('payee_id')
    .primaryKey()
    .references(() => payees.id),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
});

/**
 * A payee's money events, for its live screens (vendor, bursar): one row per allocation (a QR or
 * transfer credit) and per cash payment, written in the same database transaction as it.
 */
export const payeeEvents = pgTable(
  'payee_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    payeeId: uuid('payee_id')
      .notNull()
      .references(() => payees.id),
    /** 1, 2, 3 … per payee, in commit order: the SSE event id a client resumes from. */
    seq: bigint('seq', { mode: 'number' }).notNull(),
    /** `allocation` (money that came by bank/e-wallet) or `cash_payment`. */
    kind: text('kind').notNull(),
    /** The allocation's or cash payment's id. */
    sourceId: uuid('source_id').notNull(),
    /** `qr`, `transfer`, `ewallet` or `cash`. */
    channel: text('channel').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    /** Money that arrived but is to be given back (a duplicate payment, a bill already cancelled). */
    refundDue: boolean('refund_due').notNull().default(false),
    /** How many sales a cash entry stands for (1 otherwise). */
    saleCount: bigint('sale_count', { mode: 'number' }).notNull().default(1),
    paymentRequestId: uuid('payment_request_id'),
    /** What the screen shows of the request paid (reference, payer, class): fixed when it is paid. */
    details: jsonb('details'),
    /** When the money moved: the credit's booking time, or when the cash was taken. */
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('payee_events_payee_seq_uq').on(t.payeeId, t.seq),
    // One event per allocation or cash payment, however often the writer runs.
    uniqueIndex('payee_events_source_uq').on(t.kind, t.sourceId),
    index('payee_events_payee_occurred_idx').on(t.payeeId, t.occurredAt),
    index('payee_events_created_idx').on(t.createdAt),
  ],
);
