/**
 * What an error may put in the log. Errors from the database carry the statement's parameters (drizzle's
 * "Failed query: … params: …", Postgres's `detail` "Key (code)=(…)"), and those are callback bodies,
 * household codes, payer names: personal data. The log keeps the error's kind, the SQL text (it is
 * parameterised), the Postgres code and constraint, and the stack, never the values.
 */
const KEEP = [
  'code',
  'severity',
  'constraint_name',
  'table_name',
  'column_name',
  'routine',
  'errno',
] as const;

type Safe = { type: string; message: string; stack?: string; cause?: Safe } & Record<string, unknown>;

export function safeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as Error & Record<string, unknown>;
  let message = e.message;
  if (typeof e.query === 'string' && Array.isArray(e.params)) {
    // drizzle's DrizzleQueryError: the message repeats the query and lists every parameter.
    message = `Failed query: ${e.query}`;
  }
  const out: Safe = { type: e.name || e.constructor?.name || 'Error', message };
  for (const k of KEEP) if (e[k] !== undefined && typeof e[k] !== 'object') out[k] = e[k];
  if (typeof e.stack === 'string') {
    // The stack starts with the message: keep only the frames.
    const frames = e.stack.split('\n').filter((l) => /^\s+at /.test(l));
    out.stack = [`${out.type}: ${message}`, ...frames].join('\n');
  }
  if (e.cause !== undefined && depth < 3) out.cause = safeError(e.cause, depth + 1) as Safe;
  return out;
}
