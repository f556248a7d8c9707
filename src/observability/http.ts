import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppMetrics } from './metrics.js';

/**
 * Times every request into `cc_http_request_duration_seconds`, labelled by the route pattern that
 * answered (`/v1/payees/:id`, never the concrete path: ids would make a series each). A path no route
 * knows is labelled by the catch-all that saw it, so the label set stays bounded.
 */
export function observeRequests(metrics: AppMetrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      metrics.httpDuration.observe(
        { method: c.req.method, route: routePath(c, -1) || 'unknown', status: String(c.res.status) },
        (performance.now() - started) / 1000,
      );
    }
  };
}
