import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { payees } from '../payees/tables.js';
import { units } from '../units/tables.js';

export const apiKeys = pgTable('api_keys', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** SHA-256 of the key: the key itself is shown once and never stored. */
  keyHash: text('key_hash').notNull().unique(),
  role: text('role').notNull(),
  unitCode: text('unit_code').references(() => units.code),
  payeeId: uuid('payee_id').references(() => payees.id),
  label: text('label').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});
