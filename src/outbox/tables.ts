import { bigint, bigserial, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Work that must reach the queue, written in the same database transaction as the fact that causes it
 * (the transactional outbox). The relay moves rows to the queue and deletes them; while Redis is away
 * they simply wait here.
 */
export const outbox = pgTable('outbox', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  /** What the row asks for: `callback` = a stored callback event to turn into a transaction. */
  topic: text('topic').notNull(),
  refId: bigint('ref_id', { mode: 'number' }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
