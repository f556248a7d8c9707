import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { payees } from '../payees/tables.js';
import { households, units } from '../units/tables.js';

/** One upload of a fee list (CSV or JSON items): what its slips and export are printed from. */
export const paymentRequestBatches = pgTable(
  'payment_request_batches',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    payeeId: uuid('payee_id')
      .notNull()
      .references(() => payees.id),
    /** `csv`, `json` or `cli`. */
    source: text('source').notNull(),
    rows: integer('rows').notNull(),
    created: integer('created').notNull(),
    existing: integer('existing').notNull(),
    failed: integer('failed').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('payment_request_batches_payee_idx').on(t.payeeId, t.createdAt)],
);

/** A fee or bill a payee asks a payer for, with its dynamic VietQR payload. */
export const paymentRequests = pgTable(
  'payment_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    payeeId: uuid('payee_id')
      .notNull()
      .references(() => payees.id),
    /** Where payments of this request count: the payer household's unit when known, else the payee's. */
    unitCode: text('unit_code')
      .notNull()
      .references(() => units.code),
    /** The short code carried at the start of the QR's purpose, found again in the bank's memo. */
    reference: text('reference').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    paidAmount: bigint('paid_amount', { mode: 'number' }).notNull().default(0),
    category: text('category').notNull(),
    purpose: text('purpose'),
    payerRef: text('payer_ref'),
    payerName: text('payer_name'),
    /** A class ("lớp 6A"), a meter route, a hamlet team: what the payee's "per group" view groups by. */
    payerGroup: text('payer_group'),
    householdCode: text('household_code').references(() => households.code),
    /** The client's id for this request, unique per payee: re-sending a row finds the stored one. */
    externalId: text('external_id'),
    batchId: uuid('batch_id').references(() => paymentRequestBatches.id),
    payload: text('payload').notNull(),
    status: text('status').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('payment_requests_reference_uq').on(t.reference),
    uniqueIndex('payment_requests_external_id_uq').on(t.payeeId, t.externalId),
    index('payment_requests_payee_status_idx').on(t.payeeId, t.status, t.createdAt),
    index('payment_requests_payee_group_idx').on(t.payeeId, t.payerGroup),
    index('payment_requests_payee_payer_idx').on(t.payeeId, t.payerRef),
    index('payment_requests_batch_idx').on(t.batchId),
    index('payment_requests_household_idx').on(t.householdCode),
    index('payment_requests_created_idx').on(t.createdAt),
    // The expiry job's scan: only open requests with an expiry, oldest first.
    index('payment_requests_expiry_idx').on(t.expiresAt).where(sql`status = 'open'`),
  ],
);

/** Every status change of a request: from → to, who or what made it, and when. */
export const paymentRequestEvents = pgTable(
  'payment_request_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    paymentRequestId: uuid('payment_request_id')
      .notNull()
      .references(() => paymentRequests.id),
    /** Null for the creation event. */
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    /** `key:<id>`, `job:expire`, `cli:import-fees`, … */
    actor: text('actor').notNull(),
    /** What caused it: `create`, `cancel`, `expire`, `transaction:<id>`, `cash:<id>`. */
    source: text('source').notNull(),
    paidAmount: bigint('paid_amount', { mode: 'number' }).notNull(),
    details: jsonb('details'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('payment_request_events_request_idx').on(t.paymentRequestId, t.id)],
);
