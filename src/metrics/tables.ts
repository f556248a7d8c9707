import { bigint, boolean, date, index, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';

/*
 * Rollups of payment facts (see facts.ts). They are the only tables the metrics API reads: a metrics
 * query never touches transactions or cash payments, so its cost follows the number of days × units ×
 * categories in the range, not the number of payments. `unit_path` is the fact's unit path copied in, so a
 * subtree (a province, a commune) is one prefix range on the (unit_path, day) index.
 * `day` is the calendar day of the payment in Asia/Ho_Chi_Minh.
 */

/** Count and value of payments per day, unit, payee kind, category and channel. */
export const paymentRollups = pgTable(
  'payment_rollups',
  {
    day: date('day', { mode: 'string' }).notNull(),
    unitCode: text('unit_code').notNull(),
    unitPath: text('unit_path').notNull(),
    payeeKind: text('payee_kind').notNull(),
    category: text('category').notNull(),
    channel: text('channel').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
    value: bigint('value', { mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.unitCode, t.day, t.payeeKind, t.category, t.channel] }),
    index('payment_rollups_path_day_idx').on(t.unitPath.op('text_pattern_ops'), t.day),
  ],
);

/**
 * The same counts and values per calendar month (`month` is its first day), unit, category and channel: a
 * query over whole months (a year by month, a province's month) sums a row per month instead of one per
 * day. Kept, rebuilt and compared exactly like payment_rollups.
 */
export const paymentMonthRollups = pgTable(
  'payment_month_rollups',
  {
    month: date('month', { mode: 'string' }).notNull(),
    unitCode: text('unit_code').notNull(),
    unitPath: text('unit_path').notNull(),
    category: text('category').notNull(),
    channel: text('channel').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
    value: bigint('value', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.unitCode, t.month, t.category, t.channel] })],
);

/**
 * The set of payers per day, unit, category and channel: distinct payers over any period and slice is a
 * COUNT(DISTINCT payer_key) over this set. `count` is the net number of that payer's payments there, so
 * an undone payment removes the payer again when it was their only one (rows at 0 are deleted).
 */
export const payerRollups = pgTable(
  'payer_rollups',
  {
    day: date('day', { mode: 'string' }).notNull(),
    unitCode: text('unit_code').notNull(),
    unitPath: text('unit_path').notNull(),
    category: text('category').notNull(),
    channel: text('channel').notNull(),
    payerKey: text('payer_key').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.unitCode, t.day, t.category, t.channel, t.payerKey] }),
    index('payer_rollups_path_day_idx').on(t.unitPath.op('text_pattern_ops'), t.day),
  ],
);

/**
 * The same payer set per calendar month (`month` is its first day). A query over whole months reads
 * this instead of every day's set: a market shopper paying twenty days a month is one row here, not
 * twenty. Kept, rebuilt and compared exactly like payer_rollups.
 */
export const payerMonthRollups = pgTable(
  'payer_month_rollups',
  {
    month: date('month', { mode: 'string' }).notNull(),
    unitCode: text('unit_code').notNull(),
    unitPath: text('unit_path').notNull(),
    category: text('category').notNull(),
    channel: text('channel').notNull(),
    payerKey: text('payer_key').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.unitCode, t.month, t.category, t.channel, t.payerKey] })],
);

/**
 * Each payer's net payment count per scope, period, cash or cashless, and category: the scope is the
 * fact's unit and every unit above it (its path's codes, whatever the depth), the period a month
 * ('2026-11') or a year ('2026'), and the category one of the facts' categories or '' for all of them
 * (years are kept for '' only). Its only reader is the upkeep of payer_tallies: a row going above 0 is a
 * payer appearing there, a row going back to 0 (an undone payment that was their only one) one leaving.
 * `household` says whether the payer key was a household's code when the row was made (kept up to date
 * when a household is registered later, see noteHouseholds).
 */
export const payerScopeRollups = pgTable(
  'payer_scope_rollups',
  {
    unitCode: text('unit_code').notNull(),
    period: text('period').notNull(),
    cash: boolean('cash').notNull(),
    category: text('category').notNull(),
    payerKey: text('payer_key').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
    household: boolean('household').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.unitCode, t.period, t.cash, t.category, t.payerKey] }),
    index('payer_scope_rollups_payer_idx').on(t.payerKey),
  ],
);

/**
 * Distinct payers (and, of the cashless ones, households: adopters) per scope, period, cash or cashless
 * and category, as payer_scope_rollups counts them: `payers` is its number of rows above 0 there. A
 * metrics read over a whole month or year reads a few of these rows instead of counting a payer set.
 */
export const payerTallies = pgTable(
  'payer_tallies',
  {
    unitCode: text('unit_code').notNull(),
    period: text('period').notNull(),
    cash: boolean('cash').notNull(),
    category: text('category').notNull(),
    payers: bigint('payers', { mode: 'number' }).notNull(),
    adopters: bigint('adopters', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.unitCode, t.period, t.cash, t.category] })],
);

/** Count and value per payee, day and channel: which stalls were paid cashless, a vendor's takings. */
export const payeeRollups = pgTable(
  'payee_rollups',
  {
    day: date('day', { mode: 'string' }).notNull(),
    payeeId: uuid('payee_id').notNull(),
    channel: text('channel').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
    value: bigint('value', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.payeeId, t.day, t.channel] }), index('payee_rollups_day_idx').on(t.day)],
);

/**
 * Per market stall (market_vendor payee) and period, a month ('2026-11') or a year ('2026'): how many of
 * its cashless payee_rollups rows (a day and channel) are above 0 there. Its only reader is the upkeep of
 * stall_tallies: a row going above 0 is a stall first paid cashless in that period, a row going back to 0
 * (its only such payment undone) one no longer paid. Counting days, not payments, keeps it still: only a
 * stall's first payment of a day by a channel moves it.
 */
export const stallPeriodRollups = pgTable(
  'stall_period_rollups',
  {
    payeeId: uuid('payee_id').notNull(),
    period: text('period').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.payeeId, t.period] })],
);

/**
 * Market stalls paid cashless at least once, per scope and period, as stall_period_rollups counts them:
 * the scope is the stall's own unit and every unit above it. A province's "stalls paid by QR" over a
 * whole month or year is one row here instead of a lookup per stall.
 */
export const stallTallies = pgTable(
  'stall_tallies',
  {
    unitCode: text('unit_code').notNull(),
    period: text('period').notNull(),
    stalls: bigint('stalls', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.unitCode, t.period] })],
);
