import { and, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
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
