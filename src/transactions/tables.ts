import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * A credit (or debit) on a receiving account, however many channels reported it: callbacks from one
 * or more providers and bank statement lines are its sources. Status: pending (not matched yet),
 * matched, partial, overpaid, duplicate, unmatched, ignored.
 */
export const transactions = pgTable(
  'transactions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    direction: text('direction').notNull(),
    accountNumber: text('account_number').notNull(),
    bankBin: text('bank_bin'),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    memo: text('memo').notNull().default(''),
    /** Reference codes found in the memo when the transaction was recorded (for matching and the sweep). */
    referenceCodes: text('reference_codes').array().notNull().default(sql`'{}'::text[]`),
    /**
     * The channels that reported it (those of its transaction_sources, kept with them): the cross-channel
     * lookup skips a credit its own channel reported without a probe of transaction_sources per candidate.
     */
    channels: text('channels').array().notNull().default(sql`'{}'::text[]`),
    bookedAt: timestamp('booked_at', { withTimezone: true }).notNull(),
    /** True when the only source gave a calendar day, not a time (some statement lines). */
    bookedDateOnly: boolean('booked_date_only').notNull().default(false),
    counterpartyAccount: text('counterparty_account'),
    counterpartyName: text('counterparty_name'),
    counterpartyBankBin: text('counterparty_bank_bin'),
    bankReference: text('bank_reference'),
    status: text('status').notNull().default('pending'),
    ignoreReason: text('ignore_reason'),
    /** Money we must give back: a duplicate payment, a payment to an expired/cancelled bill, an excess. */
    refundDue: boolean('refund_due').notNull().default(false),
    refundAmount: bigint('refund_amount', { mode: 'number' }).notNull().default(0),
    /** Sum of allocations that count (not reversed, not refund links). Never above `amount`. */
    allocatedAmount: bigint('allocated_amount', { mode: 'number' }).notNull().default(0),
    /** Who the money is for, once known (receiving account's payee or the matched request's payee). */
    payeeId: uuid('payee_id'),
    unitCode: text('unit_code'),
    unitPath: text('unit_path'),
    confirmedByStatement: boolean('confirmed_by_statement').notNull().default(false),
    matchAttemptedAt: timestamp('match_attempted_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // An account's credits by time (a statement's import reads those it must explain: unconfirmedCredits).
    index('transactions_fingerprint_idx').on(t.accountNumber, t.amount, t.bookedAt),
    // The cross-channel fingerprint looks here: same account, same amount, booked close together, walked
    // per channel (the first to report each credit), so a report skips its own channel's credits unread.
    index('transactions_fingerprint_channel_idx')
      .on(t.accountNumber, t.amount, sql`(${t.channels}[1])`, t.bookedAt)
      .where(sql`not booked_date_only`),
    // …and its calendar-day reports (some statement lines), which match a wider window.
    index('transactions_fingerprint_date_only_idx')
      .on(t.accountNumber, t.amount, t.bookedAt)
      .where(sql`booked_date_only`),
    // A report with reference codes looks only at credits sharing one, and at those whose channel cut
    // them (record.ts): a school's hundreds of same-fee payments a day are not read for each new one.
    // fastupdate off: with it, new entries wait in a pending list that every lookup scans whole until a
    // vacuum merges it (1.9 ms a lookup under the callback load, against 0.05 ms merged).
    index('transactions_reference_codes_idx').using('gin', t.referenceCodes).with({ fastupdate: false }),
    index('transactions_fingerprint_no_codes_idx')
      .on(t.accountNumber, t.amount, t.bookedAt)
      .where(sql`cardinality(reference_codes) = 0`),
    index('transactions_status_idx').on(t.status, t.matchAttemptedAt),
    index('transactions_unit_path_idx').on(t.unitPath.op('text_pattern_ops')),
    index('transactions_payee_idx').on(t.payeeId, t.bookedAt),
    index('transactions_booked_idx').on(t.bookedAt),
  ],
);

/** Which channel reported a transaction: one row per callback event or statement line. */
export const transactionSources = pgTable(
  'transaction_sources',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    transactionId: uuid('transaction_id')
      .notNull()
      .references(() => transactions.id),
    /** `callback:<provider>` or `statement`. One transaction has at most one source per channel. */
    channel: text('channel').notNull(),
    sourceRef: text('source_ref').notNull(),
    callbackEventId: bigint('callback_event_id', { mode: 'number' }),
    statementLineId: bigint('statement_line_id', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('transaction_sources_channel_ref_uq').on(t.channel, t.sourceRef),
    index('transaction_sources_tx_idx').on(t.transactionId, t.channel),
    index('transaction_sources_event_idx').on(t.callbackEventId),
  ],
);

/**
 * Which transaction pays what: a payment request (`request`) or a stall's market sales (`market_sale`).
 * `refundDue` links (a duplicate payment, a payment to an expired/cancelled request) record where the
 * money was meant to go without counting as a payment.
 */
export const allocations = pgTable(
  'allocations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    transactionId: uuid('transaction_id')
      .notNull()
      .references(() => transactions.id),
    kind: text('kind').notNull(),
    paymentRequestId: uuid('payment_request_id'),
    payeeId: uuid('payee_id').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    refundDue: boolean('refund_due').notNull().default(false),
    channel: text('channel').notNull(),
    /** `auto` (the matcher) or `manual` (a person, see the audit log). */
    source: text('source').notNull(),
    actor: text('actor').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    reversedAt: timestamp('reversed_at', { withTimezone: true }),
  },
  (t) => [
    index('allocations_tx_idx').on(t.transactionId),
    index('allocations_request_idx').on(t.paymentRequestId),
    // The matcher allocates a transaction once, however often it runs.
    uniqueIndex('allocations_auto_uq').on(t.transactionId).where(sql`source = 'auto'`),
  ],
);
