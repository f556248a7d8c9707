import { asc, eq, inArray, like, type SQL, sql } from 'drizzle-orm';
import { type DbOrTx, queryRows } from '../db/client.js';
import { conflict, invalid } from '../http/errors.js';
import { noteHouseholds } from '../metrics/facts.js';
import type { UnitLevel } from './schema.js';
import { households, units } from './tables.js';

export type Unit = typeof units.$inferSelect;
export type Household = typeof households.$inferSelect;

const levelRank: Record<UnitLevel, number> = { province: 0, district: 1, commune: 2, hamlet: 3 };

export async function getUnit(db: DbOrTx, code: string): Promise<Unit | undefined> {
  const [row] = await db.select().from(units).where(eq(units.code, code));
  return row;
}

export async function listChildren(db: DbOrTx, code: string): Promise<Unit[]> {
  return db.select().from(units).where(eq(units.parentCode, code)).orderBy(asc(units.code));
}

/** The unit and all below it. */
export async function listSubtree(db: DbOrTx, path: string): Promise<Unit[]> {
  return db
    .select()
    .from(units)
    .where(like(units.path, `${path}%`))
    .orderBy(asc(units.path));
}

export type NewUnit = { code: string; name: string; level: UnitLevel; parentCode?: string };

/** Creates a unit under its parent; a child sits at a lower level than its parent (depth is not fixed). */
export async function createUnit(db: DbOrTx, input: NewUnit, parent: Unit | undefined): Promise<Unit> {
  if (parent && levelRank[input.level] <= levelRank[parent.level as UnitLevel]) {
    throw invalid('invalid_level', `A ${input.level} cannot sit under a ${parent.level}`);
  }
  const path = `${parent?.path ?? '/'}${input.code}/`;
  const [row] = await db
    .insert(units)
    .values({
      code: input.code,
      name: input.name,
      level: input.level,
      parentCode: parent?.code ?? null,
      path,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw conflict('duplicate_unit', `Unit ${input.code} already exists`);
  return row;
}

export async function getHousehold(
  db: DbOrTx,
  code: string,
): Promise<(Household & { unitPath: string }) | undefined> {
  const [row] = await db
    .select({
      code: households.code,
      unitCode: households.unitCode,
      members: households.members,
      createdAt: households.createdAt,
      unitPath: units.path,
    })
    .from(households)
    .innerJoin(units, eq(units.code, households.unitCode))
    .where(eq(households.code, code));
  return row;
}

export async function listHouseholds(db: DbOrTx, unitPath: string, limit: number, offset: number) {
  return db
    .select({
      code: households.code,
      unitCode: households.unitCode,
      members: households.members,
      createdAt: households.createdAt,
    })
    .from(households)
    .innerJoin(units, eq(units.code, households.unitCode))
    .where(like(units.path, `${unitPath}%`))
    .orderBy(asc(households.code))
    .limit(limit)
    .offset(offset);
}

export type HouseholdInput = { code: string; unitCode: string; members?: number };
export type HouseholdResult =
  | { index: number; code: string; status: 'created' | 'exists' }
  | { index: number; code: string; status: 'error'; error: { code: string; message: string } };

/**
 * Creates households item by item: a bad item is reported and does not stop the good ones.
 * Re-sending a household exactly as stored is not an error (`exists`), so an import can be retried.
 * `mayUse(unit)` says whether the caller may add households to that unit.
 */
export async function createHouseholds(
  db: DbOrTx,
  items: HouseholdInput[],
  mayUse: (unit: Unit) => boolean,
): Promise<HouseholdResult[]> {
  const unitCodes = [...new Set(items.map((i) => i.unitCode))];
  const unitRows = await db.select().from(units).where(inArray(units.code, unitCodes));
  const unitByCode = new Map(unitRows.map((u) => [u.code, u]));
  const existing = new Map(
    (
      await db
        .select()
        .from(households)
        .where(
          inArray(
            households.code,
            items.map((i) => i.code),
          ),
        )
    ).map((h) => [h.code, h]),
  );
  const results: HouseholdResult[] = [];
  const toInsert: { item: HouseholdInput; index: number }[] = [];
  const seen = new Set<string>();
  const checkHousehold = (item: HouseholdInput): { code: string; message: string } | 'exists' | undefined => {
    const unit = unitByCode.get(item.unitCode);
    if (!unit || !mayUse(unit)) return { code: 'unknown_unit', message: `Unit ${item.unitCode} not found` };
    if (unit.level === 'province') {
      return { code: 'invalid_level', message: 'A household belongs to a commune or a hamlet' };
    }
    const stored = existing.get(item.code);
    if (stored) {
      if (stored.unitCode === item.unitCode) return 'exists';
      return {
        code: 'duplicate_household',
        message: `Household ${item.code} already exists in another unit`,
      };
    }
    if (seen.has(item.code))
      return { code: 'duplicate_household', message: `Household ${item.code} appears twice` };
    return undefined;
  };
  for (const [index, item] of items.entries()) {
    const error = checkHousehold(item);
    if (error === 'exists') results.push({ index, code: item.code, status: 'exists' });
    else if (error) results.push({ index, code: item.code, status: 'error', error });
    else {
      seen.add(item.code);
      toInsert.push({ item, index });
    }
  }
  if (toInsert.length > 0) {
    const inserted = await db
      .insert(households)
      .values(
        toInsert.map(({ item }) => ({
          code: item.code,
          unitCode: item.unitCode,
          members: item.members ?? null,
        })),
      )
      .onConflictDoNothing()
      .returning({ code: households.code });
    const created = new Set(inserted.map((r) => r.code));
    await noteHouseholds(db, [...created]);
    for (const { item, index } of toInsert) {
      results.push(
        created.has(item.code)
          ? { index, code: item.code, status: 'created' }
          : {
              index,
              code: item.code,
              status: 'error',
              error: { code: 'duplicate_household', message: `Household ${item.code} already exists` },
            },
      );
    }
  }
  return results.sort((a, b) => a.index - b.index);
}

/**
 * The unit at `path` and every unit below it, as a condition on a path column: paths end in '/', and '0'
 * is the character after '/', so every path under P sorts in [P, P without '/' + '0'). Written with the
 * text_pattern_ops operators so that a path index is used even by a generic prepared plan (a LIKE with a
 * parameter is not).
 */
export const pathRange = (column: SQL, path: string) =>
  sql`${column} ~>=~ ${path} and ${column} ~<~ ${`${path.slice(0, -1)}0`}`;

/**
 * Households registered under the unit (itself included). Counted unit by unit through the households'
 * unit index, the units found by their path range: a province is a hundred small index counts, not a
 * scan of every household.
 */
export async function countHouseholds(db: DbOrTx, unitPath: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`select coalesce(sum(h.n), 0)::int as n
        from units u cross join lateral (select count(*) as n from households h where h.unit_code = u.code) h
        where ${pathRange(sql`u.path`, unitPath)}`,
  );
  return Number(row?.n ?? 0);
}
