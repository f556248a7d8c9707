import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../http/context.js';
import { unauthorized } from '../http/errors.js';
import { clientIp, rateLimited } from '../http/rate-limit.js';
import { looksLikeApiKey } from './keys.js';
import type { Principal } from './principal.js';
import { findPrincipalByKey } from './store.js';

/** Browser pages (dashboard, vendor screen) carry the key in this HttpOnly cookie, set by /login. */
export const KEY_COOKIE = 'cc_key';

const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 10_000;

/**
 * Resolves the caller's key to a principal. A short cache spares the database one query per request;
 * a revoked key therefore stops working within CACHE_TTL_MS.
 */
export function createAuthenticator(
  deps: Pick<AppDeps, 'db' | 'clock' | 'config' | 'rateLimits'>,
): MiddlewareHandler<AppEnv> {
  const cache = new Map<string, { principal: Principal; until: number }>();

  const cached = (key: string): Principal | undefined => {
    const hit = cache.get(key);
    return hit && hit.until > deps.clock.now().getTime() ? hit.principal : undefined;
  };

  const resolve = async (key: string): Promise<Principal | undefined> => {
    const now = deps.clock.now().getTime();
    const hit = cached(key);
    if (hit) return hit;
    const principal = await findPrincipalByKey(deps.db, key);
    if (!principal) return undefined;
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, { principal, until: now + CACHE_TTL_MS });
    return principal;
  };

  const limits = deps.rateLimits;
  return async (c, next) => {
    const header = c.req.header('authorization');
    const key = header?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? getCookie(c, KEY_COOKIE);
    // No key at all costs nothing and is not a guess (a browser before /login): plain 401.
    if (!key) throw unauthorized();
    const ip = clientIp(c, deps.config.TRUST_PROXY);
    // An IP that failed too often gets no database lookup for a key we do not already know.
    const known = cached(key);
    if (!known) {
      const blocked = await limits.failureBlocked(ip);
      if (blocked.limited) throw rateLimited(c, blocked.retryAfterS);
    }
    const principal = known ?? (looksLikeApiKey(key) ? await resolve(key) : undefined);
    if (!principal) {
      const over = await limits.failed(ip);
      if (over.limited) throw rateLimited(c, over.retryAfterS);
      throw unauthorized();
    }
    const busy = await limits.keyRequest(principal.keyId);
    if (busy.limited) throw rateLimited(c, busy.retryAfterS);
    c.set('principal', principal);
    await next();
  };
}
