/**
 * Postgres's side of a scenario, by statement, from pg_stat_statements: `npm run bench -- --profile`
 * prints it next to the API's and the worker's CPU profiles. Postgres takes about half the CPU of a
 * callback, and the V8 profiles cannot say which of our statements spends it.
 *
 * Only when the server loads the module (`shared_preload_libraries = 'pg_stat_statements'`, then a
 * restart); otherwise the bench says so and goes on. Times are Postgres's execution times: wall time,
 * waits for locks and for a core included, so read them with the blocks and WAL, which do not depend on
 * how busy the machine is.
 */
import type postgres from 'postgres';

export type StatementStat = {
  query: string;
  calls: number;
  rows: number;
  /** Execution time, summed over calls (ms). */
  totalMs: number;
  /** Shared blocks hit or read. */
  blocks: number;
  walBytes: number;
};

export type StatementWatch = {
  /** Forgets what the bench database's statements did so far. */
  reset(): Promise<void>;
  /** What they did since the last reset. */
  read(): Promise<StatementStat[]>;
};

/**
 * A watch on one database's statements, or the reason there is none (the module is not loaded, or
 * the role may not create the extension).
 */
export async function watchStatements(
  sql: postgres.Sql,
  dbName: string,
): Promise<{ watch: StatementWatch } | { unavailable: string }> {
  const [preload] = await sql<
    { libraries: string }[]
  >`select current_setting('shared_preload_libraries') as libraries`;
  if (!/\bpg_stat_statements\b/.test(preload!.libraries)) {
    return { unavailable: 'the server does not load pg_stat_statements (shared_preload_libraries)' };
  }
  try {
    await sql`create extension if not exists pg_stat_statements`;
  } catch (err) {
    return { unavailable: err instanceof Error ? err.message : String(err) };
  }
  const [db] = await sql<
    { oid: number }[]
  >`select oid::int8 as oid from pg_database where datname = ${dbName}`;
  const dbid = Number(db!.oid);
  return {
    watch: {
      async reset() {
        // This database only: other work on the server keeps its figures.
        await sql`select pg_stat_statements_reset(0, ${dbid}::oid, 0)`;
      },
      async read() {
        const rows = await sql<
          {
            query: string;
            calls: string;
            rows: string;
            total_ms: number;
            blocks: string;
            wal_bytes: string;
          }[]
        >`
          select query, calls, rows, total_exec_time as total_ms,
                 shared_blks_hit + shared_blks_read as blocks, wal_bytes::int8 as wal_bytes
          from pg_stat_statements
          where dbid = ${dbid} and calls > 0`;
        return rows.map((r) => ({
          query: r.query,
          calls: Number(r.calls),
          rows: Number(r.rows),
          totalMs: Number(r.total_ms),
          blocks: Number(r.blocks),
          walBytes: Number(r.wal_bytes),
        }));
      },
    },
  };
}

/** One line of SQL, cut to `width` characters: enough to find the statement in the source. */
export function statementHead(query: string, width = 110): string {
  const line = query.replace(/\s+/g, ' ').trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

/**
 * The statements of a window, most time first, each with its share of the window's time and what one
 * call cost. The ingest path's statements each take a batch (rows/call says how large).
 */
export function formatStatements(title: string, stats: StatementStat[], top = 15): string {
  const total = stats.reduce((sum, s) => sum + s.totalMs, 0);
  if (stats.length === 0 || total === 0) return `${title}: no statements`;
  const sorted = [...stats].sort((a, b) => b.totalMs - a.totalMs);
  const per = (n: number, of: number) => (of > 0 ? n / of : 0);
  const line = (s: StatementStat) =>
    `  ${[
      `${((s.totalMs / total) * 100).toFixed(1).padStart(5)}%`,
      `${s.totalMs.toFixed(0).padStart(7)} ms`,
      `${String(s.calls).padStart(7)} calls`,
      `${per(s.totalMs, s.calls).toFixed(1).padStart(6)} ms/call`,
      `${per(s.rows, s.calls).toFixed(0).padStart(5)} rows/call`,
      `${per(s.blocks, s.calls).toFixed(0).padStart(6)} blocks/call`,
      `${(per(s.walBytes, s.calls) / 1024).toFixed(1).padStart(6)} WAL kB/call`,
      ` ${statementHead(s.query)}`,
    ].join(' ')}`;
  return [
    `${title}: ${(total / 1000).toFixed(1)} s of execution in ${sorted.length} statements (waits included)`,
    ...sorted.slice(0, top).map(line),
  ].join('\n');
}
