import {
  bigint,
  bigserial,
  date,
  index,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/** An imported bank statement, kept verbatim. The same file for the same account is stored once. */
export const statements = pgTable(
  'statements',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    accountNumber: text('account_number').notNull(),
    format: text('format').notNull(),
    periodFrom: date('period_from').notNull(),
    periodTo: date('period_to').notNull(),
    contentSha256: text('content_sha256').notNull(),
    raw: text('raw').notNull(),
    importedBy: text('imported_by').notNull(),
    importedAt: timestamp('imported_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('statements_content_uq').on(t.accountNumber, t.contentSha256)],
);

/** One booked line of a statement; `lineKey` identifies it across re-imports and overlapping statements. */
export const statementLines = pgTable(
  'statement_lines',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    statementId: uuid('statement_id')
      .notNull()
      .references(() => statements.id),
    accountNumber: text('account_number').notNull(),
    lineKey: text('line_key').notNull(),
    direction: text('direction').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    bookedAt: timestamp('booked_at', { withTimezone: true }).notNull(),
    memo: text('memo').notNull(),
    reference: text('reference'),
    raw: text('raw').notNull(),
  },
  (t) => [
    uniqueIndex('statement_lines_key_uq').on(t.accountNumber, t.lineKey),
    index('statement_lines_statement_idx').on(t.statementId),
  ],
);
