import { type AnyPgColumn, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Administrative units: a tree of any depth (province → (district →) commune → hamlet).
 * `path` is the materialized chain of codes ("/01/00004/H01/") so a subtree is one prefix match.
 */
export const units = pgTable(
  'units',
  {
    code: text('code').primaryKey(),
    parentCode: text('parent_code').references((): AnyPgColumn => units.code),
    name: text('name').notNull(),
    level: text('level').notNull(),
    path: text('path').notNull().unique(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('units_parent_idx').on(t.parentCode),
    index('units_path_prefix_idx').on(t.path.op('text_pattern_ops')),
  ],
);

export const households = pgTable(
  'households',
  {
    code: text('code').primaryKey(),
    unitCode: text('unit_code')
      .notNull()
      .references(() => units.code),
    members: integer('members'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('households_unit_idx').on(t.unitCode)],
);
