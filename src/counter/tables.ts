import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { apiKeys } from '../auth/tables.js';
import { payees } from '../payees/tables.js';

/**
 * A one-time login link for a payee's counter screen (vendor, bursar), handed out by commune staff as a
 * printed QR. Only the token's hash is stored. Opening it once creates a payee key that lives only in
 * that phone's HttpOnly cookie; the link is then spent.
 */
export const counterLoginLinks = pgTable(
  'counter_login_links',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** SHA-256 of the token in the link. */
    tokenHash: text('token_hash').notNull().unique(),
    payeeId: uuid('payee_id')
      .notNull()
      .references(() => payees.id),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    /** The payee key made when the link was used. */
    apiKeyId: uuid('api_key_id').references(() => apiKeys.id),
  },
  (t) => [index('counter_login_links_payee_idx').on(t.payeeId, t.createdAt)],
);
