import { and, eq, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { conflict } from '../http/errors.js';
import { idempotencyKeys } from './tables.js';

export type StoredResponse = { status: number; body: unknown };

/**
 * Serialises requests with the same principal and key until the end of `tx`: a second request with the
 * key waits for the first to commit (or roll back), then finds its stored response.
 */
export async function lockIdempotencyKey(tx: DbOrTx, principal: string, key: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`idem\n${principal}\n${key}`}, 0))`);
}

export async function findIdempotentResponse(
  db: DbOrTx,
  principal: string,
  key: string,
): Promise<(StoredResponse & { requestHash: string; createdAt: Date }) | undefined> {
  const [row] = await db
    .select({
      requestHash: idempotencyKeys.requestHash,
      status: idempotencyKeys.status,
      body: idempotencyKeys.response,
      createdAt: idempotencyKeys.createdAt,
    })
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.principal, principal), eq(idempotencyKeys.key, key)));
  return row;
}

export async function storeIdempotentResponse(
  db: DbOrTx,
  entry: { principal: string; key: string; requestHash: string } & StoredResponse,
): Promise<void> {
  await db.insert(idempotencyKeys).values({
    principal: entry.principal,
    key: entry.key,
    requestHash: entry.requestHash,
    status: entry.status,
    response: entry.body ?? null,
  });
}

/** Forgets keys older than `before`, in batches; returns how many went. */
export async function pruneIdempotencyKeys(db: DbOrTx, before: Date): Promise<number> {
  const gone = await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, before))
    .returning({ key: idempotencyKeys.key });
  return gone.length;
}

/**
 * Runs `work` once per (principal, key) inside one transaction with its stored answer: a repeat with the
 * same request hash gets the first answer back (`replayed: true`), a different request 409
 * `idempotency_key_reused`. For callers outside HTTP (the import CLI); routes use the middleware.
 */
export async function runIdempotent<T>(
  db: DbOrTx,
  entry: { principal: string; key: string; requestHash: string },
  work: (tx: DbOrTx) => Promise<{ status: number; body: T }>,
): Promise<{ status: number; body: T; replayed: boolean; at?: Date }> {
  return db.transaction(async (tx) => {
    await lockIdempotencyKey(tx, entry.principal, entry.key);
    const stored = await findIdempotentResponse(tx, entry.principal, entry.key);
    if (stored) {
      if (stored.requestHash !== entry.requestHash) {
        throw conflict(
          'idempotency_key_reused',
          `Idempotency key "${entry.key}" was already used for a different request`,
        );
      }
      return { status: stored.status, body: stored.body as T, replayed: true, at: stored.createdAt };
    }
    const result = await work(tx);
    await storeIdempotentResponse(tx, { ...entry, ...result });
    return { ...result, replayed: false };
  });
}
