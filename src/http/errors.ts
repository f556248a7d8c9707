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
  // A form body that is not what its Content-Type says (c.req.parseBody on a broken multipart): the
  // client's mistake, not ours. Found by test/integration/fuzz.
  if (err instanceof TypeError && /^Failed to parse body as FormData/.test(err.message))
    return c.json(errorBody('malformed_body', 'The form body could not be read'), 400);
  // Postgres refuses text it cannot store (a NUL character, "%00" in a query): the client's input, not
  // our fault, and nothing was written (the statement failed). Found by test/integration/fuzz.
  if (TEXT_POSTGRES_REFUSES.has(databaseErrorCode(err) ?? '') || isJsonTextRefused(err))
    return c.json(errorBody('invalid_text', 'Text must not contain NUL characters or invalid UTF-8'), 400);
  c.var.log?.error({ err }, 'unhandled error');
  return c.json(errorBody('internal', 'Internal error'), 500);
}

/** 22021: character_not_in_repertoire (NUL, bad UTF-8); 22P05: untranslatable_character. */
const TEXT_POSTGRES_REFUSES = new Set(['22021', '22P05']);

/**
 * jsonb refuses a lone UTF-16 surrogate (a "\\ud800" escape in a request body, kept by JSON.parse) with
 * 22P02 "invalid input syntax for type json": text the client sent (audit details, labels, reasons).
 */
function isJsonTextRefused(err: unknown): boolean {
  if (databaseErrorCode(err) !== '22P02') return false;
  let e = err as { message?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (typeof e.message === 'string' && /type json/i.test(e.message) && !/^Failed query/.test(e.message))
      return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** The SQLSTATE of a database error, through drizzle's wrapper (its `cause`). */
function databaseErrorCode(err: unknown): string | undefined {
  let e = err as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}
