import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createAuthenticator } from './auth/middleware.js';
import { apiKeyRoutes } from './auth/routes.js';
import { callbackRoutes } from './callbacks/routes.js';
import { cashPaymentRoutes } from './cash-payments/routes.js';
import { counterApiRoutes } from './counter/api-routes.js';
import { counterRoutes } from './counter/routes.js';
import type { AppDeps } from './deps.js';
import { createPayeeEventHub } from './events/hub.js';
import { payeeEventRoutes } from './events/routes.js';
import { docsRoutes, healthRoutes } from './health/routes.js';
import type { AppEnv } from './http/context.js';
import { errorBody, handleError } from './http/errors.js';
import { createRouter } from './http/router.js';
import { metricsRoutes } from './metrics/routes.js';
import { observeRequests } from './observability/http.js';
import { prometheusRoutes } from './observability/routes.js';
import { opsRoutes } from './ops/routes.js';
import { payeeQrRoutes } from './payees/qr-routes.js';
import { payeeRoutes } from './payees/routes.js';
import { paymentRequestRoutes } from './payment-requests/routes.js';
import { transactionRoutes } from './reconciliation/routes.js';
import { statementRoutes } from './statements/routes.js';
import { unitRoutes } from './units/routes.js';
import { webRoutes } from './web/routes.js';

/** Features whose routes live under /v1 and need an API key. */
const apiFeatures = [
  apiKeyRoutes,
  unitRoutes,
  // Before payeeRoutes: GET /v1/payees/cards must not be taken for GET /v1/payees/{id}.
  payeeQrRoutes,
  payeeRoutes,
  paymentRequestRoutes,
  cashPaymentRoutes,
  counterApiRoutes,
  metricsRoutes,
  // /v1/callbacks/* skip the API key (see below): each adapter checks its provider's signature.
  callbackRoutes,
  transactionRoutes,
  statementRoutes,
  opsRoutes,
];

/** Builds the HTTP app from its dependencies; it opens nothing itself. */
export function createApp(deps: AppDeps) {
  const app = createRouter();
  const authenticate = createAuthenticator(deps);

  app.use('*', observeRequests(deps.metrics));
  app.use('*', requestContext(deps));
  app.use('*', limitBody(deps.config.BODY_LIMIT_BYTES));
  // Callbacks prove who sent them with the provider's own signature, not with our API keys.
  app.use('/v1/*', (c, next) => (c.req.path.startsWith('/v1/callbacks/') ? next() : authenticate(c, next)));

  app.route('/', healthRoutes);
  app.route('/', docsRoutes);
  // Prometheus scrapes GET /metrics with METRICS_TOKEN (or an admin key).
  app.route('/', prometheusRoutes(authenticate));
  // Browser pages (dashboard, login) outside /v1, with the same authenticator reading the cc_key cookie.
  app.route('/', webRoutes(authenticate));
  // The counter screens (/vendor, /bursar, login links) and their live stream, one poller per app.
  app.route('/', counterRoutes(authenticate));
  for (const feature of apiFeatures) app.route('/v1', feature);
  app.route('/v1', payeeEventRoutes(createPayeeEventHub(deps)));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'cashless-commune',
      version: '1',
      description: 'VietQR issuing, reconciliation and cashless-payment metrics for a Vietnamese commune.',
    },
  });

  const allowedMethods = methodsByPath(app);
  app.notFound((c) => {
    const methods = allowedMethods(c.req.path);
    if (methods.length > 0) {
      c.header('Allow', methods.join(', '));
      return c.json(errorBody('method_not_allowed', `Use ${methods.join(' or ')} on this path`), 405);
    }
    return c.json(errorBody('not_found', 'No such route'), 404);
  });
  app.onError(handleError);
  return app;
}

export type App = ReturnType<typeof createApp>;

/** What Hono's secureHeaders() sets by default, as fixed pairs. */
const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Referrer-Policy', 'no-referrer'],
  ['Strict-Transport-Security', 'max-age=15552000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
  ['X-XSS-Protection', '0'],
];

/** A caller's X-Request-Id is kept when it looks like one (Hono's requestId rule), else a new one. */
const REQUEST_ID_SHAPE = /^[\w\-=]{1,255}$/;

/**
 * Per request: its id, the deps, a logger carrying the id, the security headers and the access-log line.
 * One middleware for what were four (requestId, deps, secureHeaders, the log line), and cheaper per part,
 * measured on cached QR images (npm run bench, API CPU per request):
 * - the headers go straight onto Node's response (`setHeader`), merged by @hono/node-server when it
 *   writes its own (a handler's value wins); through Hono they were set one by one on a WHATWG Headers
 *   object, whose validation cost ~20 µs per request. Without Node's response (app.request in-process)
 *   they are set on the Response as before;
 * - the access line has fixed fields (never keys or bodies), so it skips the redaction pass of the
 *   logger (~12 µs a line); everything else logged keeps it.
 */
function requestContext(deps: AppDeps): MiddlewareHandler<AppEnv> {
  const access = deps.logger.child({}, { redact: [] });
  return async (c, next) => {
    const started = performance.now();
    const given = c.req.header('x-request-id');
    const requestId = given !== undefined && REQUEST_ID_SHAPE.test(given) ? given : crypto.randomUUID();
    c.set('requestId', requestId);
    c.set('deps', deps);
    c.set('log', deps.logger.child({ requestId }));
    const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
    if (outgoing) {
      for (const [name, value] of SECURITY_HEADERS) outgoing.setHeader(name, value);
      outgoing.setHeader('X-Request-Id', requestId);
    }
    await next();
    if (!outgoing) {
      for (const [name, value] of SECURITY_HEADERS) c.res.headers.set(name, value);
      c.res.headers.set('X-Request-Id', requestId);
    }
    // The path without its query: queries can carry household codes and payer references.
    access.info(
      {
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  };
}

/**
 * The body-size limit, without touching the body when the request says its size. Hono's bodyLimit
 * reads `c.req.raw.body` first, which makes @hono/node-server build a full web Request (AbortController,
 * ReadableStream) for every request, GETs included, and then read the body through that stream instead
 * of its direct path. Measured (API CPU per request, 3 alternating runs each, load-tests/): callbacks
 * −15%, a cached stall PNG −23%, GET /v1/payees/{id} −12%. A GET/HEAD body is never read; a declared
 * Content-Length is checked as Hono does; only a chunked body (no length) goes through Hono's
 * bodyLimit, which counts as it reads.
 */
function limitBody(maxSize: number): MiddlewareHandler<AppEnv> {
  const tooLarge = (c: Context) => c.json(errorBody('payload_too_large', 'Request body is too large'), 413);
  const counting = bodyLimit({ maxSize, onError: tooLarge });
  return (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      return Number.parseInt(length, 10) > maxSize ? Promise.resolve(tooLarge(c)) : next();
    }
    return counting(c, next);
  };
}

/** Hono answers 404 for a known path with the wrong method; api.md wants 405 with an Allow header. */
function methodsByPath(app: { routes: { method: string; path: string }[] }) {
  let table: { pattern: RegExp; method: string }[] | undefined;
  return (path: string): string[] => {
    table ??= app.routes
      .filter((r) => r.method !== 'ALL' && !r.path.includes('*'))
      .map((r) => ({
        method: r.method,
        pattern: new RegExp(
          `^${r.path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\/:[^/]+/g, '/[^/]+')}/?$`,
        ),
      }));
    return [...new Set(table.filter((r) => r.pattern.test(path)).map((r) => r.method))];
  };
}
