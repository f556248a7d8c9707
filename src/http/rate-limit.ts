/**
 * Rate limits (rate-limiter-flexible), configured in src/config.ts:
 *
 * - failed authentication per client IP (a wrong or unknown API key, a callback whose signature or key
 *   does not verify): over RATE_LIMIT_AUTH_FAILURES a minute, the IP is blocked for
 *   RATE_LIMIT_AUTH_BLOCK_S. While blocked, whatever fails authentication gets 429 instead of 401, and a
 *   key the process has not seen in the last 30 s is refused before any database lookup. Keys in use
 *   (in the authenticator's cache) keep working, so one misconfigured client behind a shared office IP
 *   does not lock out its busy neighbours, and a provider's correctly signed callback is never refused
 *   for someone else's mistakes (verifying a signature costs no database work). Kept in Redis when
 *   REDIS_URL is set (shared by every API process: a guesser gains nothing by spreading over them),
 *   with a per-process memory limiter taking over while Redis is away.
 * - requests per API key (RATE_LIMIT_KEY_PER_S) and callbacks per client IP (RATE_LIMIT_CALLBACKS_PER_S),
 *   averaged over 10 s so bursts pass. These count in each process's memory: they are on the hot path
 *   (a Redis round trip per callback would cost throughput, and the callback path must not depend on
 *   Redis at all), so with N API processes the effective limit is N times the setting.
 *
 * Over a limit: 429 with `Retry-After` (seconds) and the JSON error envelope, code `rate_limited`.
 * A limit of 0 turns that limit off.
 */

import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import { AppError } from './errors.js';

/** Rates per second are counted over this window, so a burst of up to 10 s worth passes. */
const RATE_WINDOW_S = 10;
const FAILURE_WINDOW_S = 60;

export type LimitOutcome = { limited: false } | { limited: true; retryAfterS: number };

export type RateLimits = {
  /** Is this IP blocked for failing authentication too often? (Reads only; counts nothing.) */
  failureBlocked(ip: string): Promise<LimitOutcome>;
  /** Counts one failed authentication from this IP; `limited` once it is over the limit. */
  failed(ip: string): Promise<LimitOutcome>;
  /** Counts one request of this API key. */
  keyRequest(keyId: string): Promise<LimitOutcome>;
  /** Counts one callback from this IP. */
  callback(ip: string): Promise<LimitOutcome>;
  close(): Promise<void>;
};

type Limiter = Pick<RateLimiterMemory, 'consume' | 'get' | 'points'>;

const retryAfter = (msBeforeNext: number) => Math.max(1, Math.ceil(msBeforeNext / 1000));

async function consume(limiter: Limiter | undefined, key: string): Promise<LimitOutcome> {
  if (!limiter) return { limited: false };
  try {
    await limiter.consume(key);
    return { limited: false };
  } catch (res) {
    if (res instanceof RateLimiterRes) return { limited: true, retryAfterS: retryAfter(res.msBeforeNext) };
    // The store failed and had no insurance: never refuse a request because the limiter broke.
    return { limited: false };
  }
}

export function createRateLimits(
  config: Pick<
    Config,
    | 'REDIS_URL'
    | 'RATE_LIMIT_AUTH_FAILURES'
    | 'RATE_LIMIT_AUTH_BLOCK_S'
    | 'RATE_LIMIT_KEY_PER_S'
    | 'RATE_LIMIT_CALLBACKS_PER_S'
  >,
  options: { logger: Logger; prefix?: string },
): RateLimits {
  const prefix = options.prefix ?? 'cc';
  let redis: Redis | undefined;
  let failures: Limiter | undefined;
  if (config.RATE_LIMIT_AUTH_FAILURES > 0) {
    const rule = {
      points: config.RATE_LIMIT_AUTH_FAILURES,
      duration: FAILURE_WINDOW_S,
      blockDuration: config.RATE_LIMIT_AUTH_BLOCK_S,
    };
    const memory = new RateLimiterMemory({ ...rule, keyPrefix: `${prefix}:rl:auth-failures` });
    if (config.REDIS_URL) {
      // Fail fast while Redis is away (the memory limiter stands in); never queue commands for later.
      redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      redis.on('error', (err) => options.logger.debug({ err: err.message }, 'rate limit redis error'));
      failures = new RateLimiterRedis({
        ...rule,
        storeClient: redis,
        keyPrefix: `${prefix}:rl:auth-failures`,
        rejectIfRedisNotReady: true,
        insuranceLimiter: memory,
      });
    } else {
      failures = memory;
    }
  }
  const perSecond = (rate: number, name: string) =>
    rate > 0
      ? new RateLimiterMemory({ points: rate * RATE_WINDOW_S, duration: RATE_WINDOW_S, keyPrefix: name })
      : undefined;
  const keys = perSecond(config.RATE_LIMIT_KEY_PER_S, 'key');
  const callbacks = perSecond(config.RATE_LIMIT_CALLBACKS_PER_S, 'callbacks');

  return {
    async failureBlocked(ip) {
      if (!failures) return { limited: false };
      try {
        const res = await failures.get(ip);
        if (res && res.consumedPoints > failures.points)
          return { limited: true, retryAfterS: retryAfter(res.msBeforeNext) };
      } catch {
        // Unknown: let the request through to authenticate.
      }
      return { limited: false };
    },
    failed: (ip) => consume(failures, ip),
    keyRequest: (keyId) => consume(keys, keyId),
    callback: (ip) => consume(callbacks, ip),
    async close() {
      await redis?.quit().catch(() => redis?.disconnect());
    },
  };
}

/**
 * The client's IP. Behind a reverse proxy (TRUST_PROXY=1) it is the last X-Forwarded-For hop, the
 * address our own proxy saw; otherwise the socket's peer, so a client cannot choose its own bucket.
 */
export function clientIp(c: Context, trustProxy: boolean | undefined): string {
  if (trustProxy) {
    const hops = c.req.header('x-forwarded-for')?.split(',');
    const last = hops?.at(-1)?.trim();
    if (last) return last;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The 429 every limit answers: `Retry-After` in seconds and the error envelope. Thrown (the header is set
 * on the context first), so middleware that wraps the authenticator sees it like any other AppError.
 */
export function rateLimited(c: Context, retryAfterS: number): AppError {
  c.header('Retry-After', String(retryAfterS));
  return new AppError(429, 'rate_limited', `Too many requests; retry after ${retryAfterS} s`, {
    retryAfterS,
  });
}
