import { mkdirSync } from 'node:fs';
import { type ExtractTablesWithRelations, type SQL, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** What a store function takes: the database, or the transaction it must run inside. */
export type DbOrTx = Db | Tx;

export type Database = {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Answers when the database answers: for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
};

export type DatabaseOptions = {
  /** Postgres connection string; absent means embedded PGlite. */
  url?: string;
  /** PGlite data folder; `memory://` keeps it in memory (tests). */
  dataDir?: string;
  poolSize?: number;
};

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const client = postgres(options.url, {
      max: options.poolSize ?? 10,
      // int8 (bigint columns, count(*)) as JS numbers: VND amounts and counts stay far below 2^53.
      types: {
        int8: {
          to: 20,
          from: [20],
          serialize: (value: number | bigint) => value.toString(),
          parse: (value: string) => Number(value),
        },
      },
      onnotice: () => {},
      // JIT compiles a query costed above jit_above_cost on every execution, prepared or not: 60-100 ms
      // for the cross-channel lookup of a 100-event batch whose own run takes 60 ms (EXPLAIN ANALYZE on
      // a bench database). Our queries are short and run thousands of times; none gains from it.
      connection: { application_name: 'cashless-commune', jit: 'off' },
    });
    const db = drizzlePostgres(preparing(client), { schema }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      ping: async () => {
        await client`select 1`;
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  const dataDir = options.dataDir ?? './data';
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  // Loaded only here: PGlite's module alone is ~45 MB of RSS that an API or worker on Postgres never uses.
  const [{ PGlite }, { drizzle: drizzlePglite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
  ]);
  const client = await PGlite.create(dataDir);
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    ping: async () => {
      await client.query('select 1');
    },
    close: () => client.close(),
  };
}

/**
 * Drizzle runs every query unnamed (`prepare: false`), and postgres.js sends an unnamed query with
 * parameters in two round trips (Parse/Describe, wait for the parameter types, then Bind/Execute), with a
 * parse and plan each time. Prepared, a statement costs one round trip after its first run. This wraps
 * the client (and the clients postgres.js hands to transactions and savepoints) so that queries with
 * parameters are prepared; statements are kept per connection by their text, and our texts are fixed
 * (bulk rows travel as one JSON parameter), so the set stays small. Measured with `npm run bench`
 * (callbacks, A/B in one session): Postgres CPU per callback end to end −52%, worker CPU −13%, Postgres
 * CPU per acknowledged callback −33%; API CPU for GET /v1/payees/{id} −25%.
 */
function preparing(sql: postgres.Sql): postgres.Sql {
  type Unsafe = postgres.Sql['unsafe'];
  type Callback = (tx: postgres.TransactionSql) => unknown;
  const wrap = <T extends postgres.Sql | postgres.TransactionSql>(target: T): T =>
    new Proxy(target, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver);
        if (prop === 'unsafe') {
          return ((query: string, args?: unknown[], options?: postgres.UnsafeQueryOptions) =>
            (value as Unsafe).call(
              obj,
              query,
              args as never,
              args && args.length > 0 ? { ...options, prepare: true } : options,
            )) as Unsafe;
        }
        if (prop === 'begin' || prop === 'savepoint') {
          return (...a: unknown[]) => {
            const i = a.findIndex((x) => typeof x === 'function');
            if (i >= 0) {
              const cb = a[i] as Callback;
              a[i] = (tx: postgres.TransactionSql) => cb(wrap(tx));
            }
            return (value as (...x: unknown[]) => unknown).apply(obj, a);
          };
        }
        return typeof value === 'function' ? value.bind(obj) : value;
      },
    });
  return wrap(sql);
}

/**
 * Runs `work` in a database transaction that commits without waiting for the disk (synchronous_commit
 * off), for writes that can be redone from what was committed durably before: derived state
 * (ASYNC_COMMIT_NOTE in transactions/matcher.ts) and the outbox relay's deletes.
 */
export async function asyncCommitTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('synchronous_commit', 'off', true)`);
    return work(tx);
  });
}

/** Runs raw SQL and returns its rows, whichever driver is underneath (they shape results differently). */
export async function queryRows<T extends Record<string, unknown>>(db: DbOrTx, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}
