import { bigint, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { payees } from '../payees/tables.js';
import { paymentRequests } from '../payment-requests/tables.js';
import { households, units } from '../units/tables.js';

/** Cash a cashier or vendor took: the denominator of every cashless ratio. */
export const cashPayments = pgTable(
  'cash_payments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    payeeId: uuid('payee_id')
      .notNull()
      .references(() => payees.id),
    /** Where it counts: the payer household's unit when known, else the payee's unit. */
    unitCode: text('unit_code')
      .notNull()
      .references(() => units.code),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    category: text('category').notNull(),
    paidAt: timestamp('paid_at', { withTimezone: true }).notNull(),
    householdCode: text('household_code').references(() => households.code),
    payerRef: text('payer_ref'),
    paymentRequestId: uuid('payment_request_id').references(() => paymentRequests.id),
    /** How many sales this entry stands for: a vendor may record a day's takings in one entry. */
    saleCount: integer('sale_count').notNull().default(1),
    note: text('note'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('cash_payments_payee_paid_idx').on(t.payeeId, t.paidAt),
    index('cash_payments_paid_idx').on(t.paidAt, t.id),
    index('cash_payments_request_idx').on(t.paymentRequestId),
  ],
);
