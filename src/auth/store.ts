import { and, desc, eq, isNull, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../db/client.js';
import { payees } from '../payees/tables.js';
import { units } from '../units/tables.js';
import { generateApiKey, hashApiKey, sameHash } from './keys.js';
import type { Principal, Role } from './principal.js';
import { apiKeys } from './tables.js';

export type NewApiKey = { role: Role; unitCode?: string | null; payeeId?: string | null; label: string };

/** Stores a new key's hash and returns the key, which exists nowhere else afterwards. */
export async function createApiKey(db: DbOrTx, input: NewApiKey): Promise<{ id: string; key: string }> {
  const key = generateApiKey();
  const [row] = await db
    .insert(apiKeys)
    .values({
      keyHash: hashApiKey(key),
      role: input.role,
      unitCode: input.unitCode ?? null,
      payeeId: input.payeeId ?? null,
      label: input.label,
    })
    .returning({ id: apiKeys.id });
  return { id: row!.id, key };
}

export async function findPrincipalByKey(db: DbOrTx, key: string): Promise<Principal | undefined> {
  const hash = hashApiKey(key);
  const [row] = await db
    .select({
      id: apiKeys.id,
      keyHash: apiKeys.keyHash,
      role: apiKeys.role,
      unitCode: apiKeys.unitCode,
      unitPath: units.path,
      payeeId: apiKeys.payeeId,
    })
    .from(apiKeys)
    .leftJoin(units, eq(units.code, apiKeys.unitCode))
    .where(and(eq(apiKeys.keyHash, hash), isNull(apiKeys.revokedAt)));
  // The lookup is by hash; the compare is constant-time anyway so no timing says how close a guess was.
  if (!row || !sameHash(row.keyHash, hash)) return undefined;
  return {
    keyId: row.id,
    role: row.role as Role,
    unitCode: row.unitCode ?? undefined,
    unitPath: row.unitPath ?? undefined,
    payeeId: row.payeeId ?? undefined,
  };
}

/** A key as listed: never its hash. Its scope path is its unit's, or its payee's unit's ('' for admin keys). */
export type ApiKeyRecord = {
  id: string;
  role: Role;
  unitCode: string | null;
  payeeId: string | null;
  label: string;
  createdAt: Date;
  revokedAt: Date | null;
  unitPath: string;
};

const payeeUnits = alias(units, 'payee_units');

/** Where a key sits, as listed and as scope filters see it (in queries built by `selectKeys`). */
export const keyUnitPath = sql<string>`coalesce(${units.path}, ${payeeUnits.path}, '')`;

function selectKeys(db: DbOrTx) {
  return db
    .select({
      id: apiKeys.id,
      role: apiKeys.role,
      unitCode: apiKeys.unitCode,
      payeeId: apiKeys.payeeId,
      label: apiKeys.label,
      createdAt: apiKeys.createdAt,
      revokedAt: apiKeys.revokedAt,
      unitPath: keyUnitPath,
    })
    .from(apiKeys)
    .leftJoin(units, eq(units.code, apiKeys.unitCode))
    .leftJoin(payees, eq(payees.id, apiKeys.payeeId))
    .leftJoin(payeeUnits, eq(payeeUnits.code, payees.unitCode));
}

export async function getApiKey(db: DbOrTx, id: string): Promise<ApiKeyRecord | undefined> {
  const [row] = await selectKeys(db).where(eq(apiKeys.id, id));
  return row as ApiKeyRecord | undefined;
}

export async function listApiKeys(
  db: DbOrTx,
  filter: { scope?: SQL; includeRevoked: boolean; limit: number; offset: number },
): Promise<ApiKeyRecord[]> {
  const rows = await selectKeys(db)
    .where(and(filter.scope, filter.includeRevoked ? undefined : isNull(apiKeys.revokedAt)))
    .orderBy(desc(apiKeys.createdAt), apiKeys.id)
    .limit(filter.limit)
    .offset(filter.offset);
  return rows as ApiKeyRecord[];
}

/** Revokes a key; revoking it again changes nothing and returns when it was first revoked. */
export async function revokeApiKey(db: DbOrTx, id: string): Promise<Date> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
    .where(eq(apiKeys.id, id))
    .returning({ revokedAt: apiKeys.revokedAt });
  return row!.revokedAt!;
}
