import { and, eq, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
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
): Promise<(StoredResponse & { requestHash: string }) | undefined> {
  const [row] = await db
    .select({
      requestHash: idempotencyKeys.requestHash,
      status: idempotencyKeys.status,
      body: idempotencyKeys.response,
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
