import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { units } from '../units/tables.js';

export const payees = pgTable(
  'payees',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    unitCode: text('unit_code')
      .notNull()
      .references(() => units.code),
    bankBin: text('bank_bin').notNull(),
    accountNumber: text('account_number').notNull(),
    accountName: text('account_name').notNull(),
    stallNo: text('stall_no'),
    /** A virtual account the bank or aggregator issued for this payee, when credits arrive on one. */
    virtualAccount: text('virtual_account').unique(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The receiving account identifies the payee of a credit that carries no reference code.
    uniqueIndex('payees_account_uq').on(t.bankBin, t.accountNumber),
    index('payees_account_number_idx').on(t.accountNumber),
    index('payees_unit_kind_idx').on(t.unitCode, t.kind),
  ],
);
