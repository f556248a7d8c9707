import { bigserial, index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { NormalizedCredit } from './types.js';

/**
 * Every callback a provider delivered with a valid signature, stored verbatim before we answer.
 * (provider, provider_event_id) is the provider's own id: a repeated delivery inserts nothing.
 * `credit` is what the adapter parsed from the body at ingest, so workers never parse it again.
 */
export const callbackEvents = pgTable(
  'callback_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    provider: text('provider').notNull(),
    providerEventId: text('provider_event_id').notNull(),
    /** The request body exactly as received (the bytes as UTF-8 text). */
    rawBody: text('raw_body').notNull(),
    credit: jsonb('credit').$type<NormalizedCredit>().notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('callback_events_provider_event_uq').on(t.provider, t.providerEventId),
    index('callback_events_received_idx').on(t.receivedAt),
  ],
);
