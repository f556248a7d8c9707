import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './context.js';
import { errorBody } from './errors.js';

/**
 * A feature's router. zod failures become the 4xx envelope: 400 for a body that is not what the
 * schema says (wrong types, unknown fields), with every issue listed by path.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const details = result.error.issues.map((i) => ({
          path: i.path.join('.'),
          message: i.message,
          code: i.code,
        }));
        return c.json(errorBody('validation_failed', 'Request is not valid', details), 400);
      }
    },
  });
}
