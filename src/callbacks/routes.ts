import { createRoute, z } from '@hono/zod-openapi';
import { errorBody } from '../http/errors.js';
import { clientIp, rateLimited } from '../http/rate-limit.js';
import { createRouter } from '../http/router.js';
import type { CallbackOutcome } from '../observability/metrics.js';
import { adapters } from './registry.js';
import { ingestBatcher } from './store.js';
import type { CallbackAdapter } from './types.js';

const tags = ['Callbacks'];
const anyJson = z.unknown();

function routeFor(adapter: CallbackAdapter) {
  return createRoute({
    method: 'post',
    path: `/callbacks/${adapter.name}`,
    tags,
    summary: `Callback from ${adapter.name}`,
    description:
      'Verifies the provider signature, stores the raw event (deduplicated on the provider’s id) and answers what the provider expects. A repeat answers the same and changes nothing.',
    responses: {
      [adapter.success.status]: {
        description: 'Stored (or already stored)',
        content: { 'application/json': { schema: anyJson } },
      },
      400: { description: 'Malformed body' },
      401: { description: 'Bad signature or key' },
      429: { description: 'Too many callbacks, or too many bad signatures, from this IP (see Retry-After)' },
      503: { description: 'Adapter not configured, or the database is unavailable (the provider retries)' },
    },
  });
}

/**
 * POST /v1/callbacks/<provider>: verify → one statement storing the raw event and its outbox row → answer.
 * No Redis and nothing else on this path; the relay and the workers take it from the outbox.
 */
export const callbackRoutes = createRouter();

for (const adapter of adapters) {
  callbackRoutes.openapi(routeFor(adapter), async (c) => {
    const { config, db, clock, rateLimits, metrics } = c.var.deps;
    const log = c.var.log;
    const count = (outcome: CallbackOutcome) => metrics.callbacks.inc({ provider: adapter.name, outcome });
    const ip = clientIp(c, config.TRUST_PROXY);
    const flood = await rateLimits.callback(ip);
    if (flood.limited) {
      count('rate_limited');
      throw rateLimited(c, flood.retryAfterS);
    }
    if (!adapter.configured(config)) {
      count('not_configured');
      return c.json(
        errorBody('provider_not_configured', `The ${adapter.name} adapter has no secret configured`),
        503,
      );
    }
    // Read the body once, as text: it is verified as sent and stored verbatim.
    const raw = await c.req.text();
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      json = undefined;
    }
    const verified = adapter.verify({ raw, json, header: (n) => c.req.header(n), now: clock.now(), config });
    if (!verified.ok) {
      log.warn(
        {
          provider: adapter.name,
          reason: verified.reason,
          bytes: raw.length,
          ip,
        },
        'callback rejected',
      );
      if (verified.status === 401) {
        const over = await rateLimits.failed(ip);
        count(over.limited ? 'rate_limited' : 'invalid_signature');
        if (over.limited) throw rateLimited(c, over.retryAfterS);
      } else count('malformed');
      return verified.status === 401
        ? c.json(errorBody('invalid_signature', 'Signature or key is missing or wrong'), 401)
        : c.json(errorBody('malformed_callback', verified.reason), 400);
    }
    if (json === undefined) {
      count('malformed');
      return c.json(errorBody('malformed_json', 'Request body is not valid JSON'), 400);
    }
    const parsed = adapter.parse(json);
    if (!parsed.ok) {
      count('malformed');
      log.warn({ provider: adapter.name, reason: parsed.reason }, 'callback malformed');
      return c.json(errorBody('malformed_callback', parsed.reason), 400);
    }
    try {
      const { duplicate } = await ingestBatcher(db).store({
        provider: adapter.name,
        credit: parsed.credit,
        rawBody: raw,
      });
      count(duplicate ? 'duplicate' : 'stored');
    } catch (err) {
      // Never 2xx without the event stored: the provider must retry.
      count('unavailable');
      log.error({ err, provider: adapter.name }, 'callback not stored');
      c.header('Retry-After', '5');
      return c.json(errorBody('unavailable', 'Could not store the callback; retry later'), 503);
    }
    return c.json(adapter.success.body as object, adapter.success.status);
  });
}
