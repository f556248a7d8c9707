import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono, type MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/context.js';
import { forbidden } from '../http/errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * GET /metrics: the Prometheus text format. For Prometheus, `Authorization: Bearer <METRICS_TOKEN>`
 * (a scrape-only secret, compared in constant time); otherwise an admin API key.
 */
export function prometheusRoutes(authenticate: MiddlewareHandler<AppEnv>) {
  const allowed: MiddlewareHandler<AppEnv> = async (c, next) => {
    const token = c.var.deps.config.METRICS_TOKEN;
    const presented = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (token && presented && timingSafeEqual(digest(token), digest(presented))) return next();
    await authenticate(c, async () => {
      if (c.var.principal.role !== 'admin')
        throw forbidden('This needs a key with role admin, or the METRICS_TOKEN');
      await next();
    });
  };
  return new Hono<AppEnv>().get('/metrics', allowed, async (c) => {
    const { registry } = c.var.deps.metrics;
    return c.body(await registry.metrics(), 200, {
      'Content-Type': registry.contentType,
      'Cache-Control': 'no-store',
    });
  });
}
