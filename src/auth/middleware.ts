import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../http/context.js';
import { unauthorized } from '../http/errors.js';
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
export function createAuthenticator(deps: Pick<AppDeps, 'db' | 'clock'>): MiddlewareHandler<AppEnv> {
  const cache = new Map<string, { principal: Principal; until: number }>();

  const resolve = async (key: string): Promise<Principal | undefined> => {
    const now = deps.clock.now().getTime();
    const hit = cache.get(key);
    if (hit && hit.until > now) return hit.principal;
    const principal = await findPrincipalByKey(deps.db, key);
    if (!principal) return undefined;
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, { principal, until: now + CACHE_TTL_MS });
    return principal;
  };

  return async (c, next) => {
    const header = c.req.header('authorization');
    const key = header?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? getCookie(c, KEY_COOKIE);
    if (!key || !looksLikeApiKey(key)) throw unauthorized();
    const principal = await resolve(key);
    if (!principal) throw unauthorized();
    c.set('principal', principal);
    await next();
  };
}
