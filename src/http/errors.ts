import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from './context.js';

/** The one error type handlers throw; `code` is stable and documented, `message` is for people. */
export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`);
export const forbidden = (message = 'This key may not do that') => new AppError(403, 'forbidden', message);
export const unauthorized = (message = 'Missing or invalid API key') =>
  new AppError(401, 'unauthorized', message);
export const conflict = (code: string, message: string, details?: unknown) =>
  new AppError(409, code, message, details);
export const invalid = (code: string, message: string, details?: unknown) =>
  new AppError(422, code, message, details);
export const badRequest = (code: string, message: string, details?: unknown) =>
  new AppError(400, code, message, details);

export type ErrorBody = { error: { code: string; message: string; details?: unknown } };

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Turns anything thrown into the JSON envelope of api.md; unknown errors are logged and hidden. */
export function handleError(err: Error, c: Context<AppEnv>) {
  if (err instanceof AppError) return c.json(errorBody(err.code, err.message, err.details), err.status);
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    if (status === 413) return c.json(errorBody('payload_too_large', 'Request body is too large'), 413);
    if (status === 400 && /json/i.test(err.message))
      return c.json(errorBody('malformed_json', 'Request body is not valid JSON'), 400);
    if (status === 401) return c.json(errorBody('unauthorized', err.message || 'Unauthorized'), 401);
    return c.json(
      errorBody(status >= 500 ? 'internal' : 'bad_request', err.message || 'Bad request'),
      status,
    );
  }
  c.var.log?.error({ err }, 'unhandled error');
  return c.json(errorBody('internal', 'Internal error'), 500);
}
