import { Hono, type MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/context.js';
import { bursarRoutes } from './bursar.js';
import { loginPageRoutes } from './login-pages.js';
import { vendorRoutes } from './vendor.js';

/**
 * The counter screens, outside /v1: /vendor (a stall's phone), /bursar (a school's office), and the
 * one-time login links that open them (/counter/enter, /counter/login-card). Their live data comes
 * from GET /v1/payees/{id}/events (src/events/routes.ts).
 */
export function counterRoutes(authenticate: MiddlewareHandler<AppEnv>) {
  return new Hono<AppEnv>()
    .route('/', vendorRoutes(authenticate))
    .route('/', bursarRoutes(authenticate))
    .route('/', loginPageRoutes(authenticate));
}
