import { Hono, type MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/context.js';
import { assetRoutes } from './assets.js';
import { dashboardRoutes } from './dashboard.js';
import { loginRoutes } from './login.js';

/**
 * Browser pages, outside /v1: /login, /logout, /dashboard and their /assets. They authenticate with the
 * same authenticator as the API (it reads the cc_key cookie that /login sets).
 */
export function webRoutes(authenticate: MiddlewareHandler<AppEnv>) {
  return new Hono<AppEnv>()
    .route('/', assetRoutes())
    .route('/', loginRoutes())
    .route('/', dashboardRoutes(authenticate));
}
