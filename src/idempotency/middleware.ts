/**
 * `Idempotency-Key` for POST routes: a client that did not see our answer (a dropped connection, a
 * double click, a retried upload) sends the same request again with the same key and gets the first
 * answer back, with nothing done twice.
 *
 * - The key is scoped to the caller (its API key): two callers may use the same key.
 * - The same key with a different request (method, path, query, content type or body) is refused with
 *   409 `idempotency_key_reused`, so a client bug cannot silently get the answer to another request.
 * - The handler runs inside one database transaction together with the stored answer: either both are
 *   committed or neither. A concurrent retry waits on a transaction-scoped advisory lock and then
 *   replays. Only successful (2xx) JSON answers are kept; an error rolls back and the client may retry
 *   with the same key once it has fixed the request.
 * - Replays carry `Idempotent-Replayed: true`. Keys are kept for IDEMPOTENCY_TTL_MS.
 *
 * A route opts in with `middleware: [idempotency()]` in its `createRoute`; its handler must use
 * `c.var.deps.db` for every write (that is the transaction while the middleware runs).
 */
import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { actorOf } from '../auth/principal.js';
import type { Db } from '../db/client.js';
import type { AppEnv } from '../http/context.js';
import { badRequest, conflict } from '../http/errors.js';
import { findIdempotentResponse, lockIdempotencyKey, storeIdempotentResponse } from './store.js';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** How long a key is remembered: a day covers any sane retry; a week covers a bursar resending Monday's list. */
export const IDEMPOTENCY_TTL_MS = 7 * 24 * 3600 * 1000;

const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

class Rollback extends Error {}

/** What makes two requests "the same" for a key. */
export function requestFingerprint(parts: {
  method: string;
  path: string;
  query: string;
  contentType: string;
  body: Uint8Array;
}): string {
  const query = [...new URLSearchParams(parts.query)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(`${parts.method.toUpperCase()} ${parts.path}\n`)
    .update(`${new URLSearchParams(query).toString()}\n`)
    .update(`${parts.contentType.split(';')[0]!.trim().toLowerCase()}\n`)
    .update(parts.body)
    .digest('hex');
}

export function idempotency(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header(IDEMPOTENCY_HEADER);
    if (key === undefined) return next();
    if (!KEY_SHAPE.test(key)) {
      throw badRequest(
        'invalid_idempotency_key',
        `${IDEMPOTENCY_HEADER} must be 1–255 visible ASCII characters`,
      );
    }
    const principal = c.var.principal ? actorOf(c.var.principal) : 'anonymous';
    const url = new URL(c.req.url);
    const requestHash = requestFingerprint({
      method: c.req.method,
      path: url.pathname,
      query: url.search,
      contentType: c.req.header('content-type') ?? '',
      body: new Uint8Array(await c.req.arrayBuffer()),
    });
    const deps = c.var.deps;
    let replay: { status: number; body: unknown } | undefined;
    try {
      replay = await deps.db.transaction(async (tx) => {
        await lockIdempotencyKey(tx, principal, key);
        const stored = await findIdempotentResponse(tx, principal, key);
        if (stored) {
          if (stored.requestHash !== requestHash) {
            throw conflict(
              'idempotency_key_reused',
              `${IDEMPOTENCY_HEADER} "${key}" was already used for a different request`,
            );
          }
          return stored;
        }
        c.set('deps', { ...deps, db: tx as unknown as Db });
        try {
          await next();
        } finally {
          c.set('deps', deps);
        }
        const res = c.res;
        if (res.status < 200 || res.status > 299 || c.error) throw new Rollback();
        // Only JSON answers are kept for replay; any other success is committed as it is.
        if (!/^application\/json/i.test(res.headers.get('content-type') ?? '')) return undefined;
        const body: unknown = await res.clone().json();
        await storeIdempotentResponse(tx, { principal, key, requestHash, status: res.status, body });
        return undefined;
      });
    } catch (err) {
      if (err instanceof Rollback) return;
      throw err;
    }
    if (replay) {
      c.header('Idempotent-Replayed', 'true');
      return c.json(replay.body as object, replay.status as ContentfulStatusCode);
    }
  };
}
