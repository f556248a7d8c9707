import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Redis } from 'ioredis';
import pino from 'pino';
import postgres from 'postgres';
import { inject } from 'vitest';
import { createApp } from '../../src/app.js';
import { createApiKey } from '../../src/auth/store.js';
import { type Config, loadConfig } from '../../src/config.js';
import { runMigrations } from '../../src/db/migrate.js';
import { type AppDeps, type Clock, closeDeps, createDeps } from '../../src/deps.js';
import { startBackground } from '../../src/jobs/registry.js';
import { testDatabaseUrl, testRedisUrl, withDatabase } from './services.js';

export type Backend = 'postgres' | 'embedded';

/** What a test reads off a response when it names no type: the assertions that follow are its check. */
// biome-ignore lint/suspicious/noExplicitAny: tests index into response bodies freely
type ResponseBody = any;
export const backend = (process.env.TEST_BACKEND ?? 'embedded') as Backend;

export type TestApp = {
  url: string;
  deps: AppDeps;
  adminKey: string;
  backend: Backend;
  /** A JSON request through real HTTP. `key` defaults to the admin key; pass null for none. */
  api<T = ResponseBody>(
    method: string,
    path: string,
    body?: unknown,
    key?: string | null,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T; headers: Headers }>;
  close(): Promise<void>;
};

export type TestAppOptions = {
  clock?: Clock;
  env?: Record<string, string>;
  /** Start the job workers in this process (default true). */
  work?: boolean;
};

/**
 * The real app on a real port, against a database of its own: a fresh Postgres database (copied from the
 * migrated template) with BullMQ on Redis under its own key prefix, or an in-memory PGlite with in-process jobs.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const id = randomBytes(5).toString('hex');
  let dropDatabase = async () => {};
  const env: Record<string, string> = { LOG_LEVEL: 'silent', DEMO: '0', ...options.env };
  if (backend === 'postgres') {
    const name = `cc_t_${id}`;
    const admin = postgres(testDatabaseUrl(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name} template ${inject('templateDatabase')}`);
    env.DATABASE_URL = withDatabase(testDatabaseUrl(), name);
    env.REDIS_URL = testRedisUrl();
    dropDatabase = async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    };
  } else {
    env.DATA_DIR = 'memory://';
  }
  const config: Config = loadConfig(env);
  const prefix = `cc-t-${id}`;
  const deps = await createDeps(config, {
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    clock: options.clock,
    queuePrefix: prefix,
  });
  await runMigrations(deps.database, config.DATABASE_URL);
  if (options.work !== false) await startBackground(deps, 'all');
  const server = serve({ fetch: createApp(deps).fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  // fetch keeps connections alive across a test's long database work; Node's 5 s default would close one
  // under the client and surface as a spurious ECONNRESET.
  (server as unknown as { keepAliveTimeout: number }).keepAliveTimeout = 60_000;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { key: adminKey } = await createApiKey(deps.db, { role: 'admin', label: 'test admin' });

  return {
    url,
    deps,
    adminKey,
    backend,
    async api(method, path, body, key = adminKey, headers = {}) {
      const res = await fetch(url + path, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {}
      return { status: res.status, body: parsed as ResponseBody, headers: res.headers };
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Kept-alive connections would hold close() for their whole keep-alive time.
        (server as unknown as { closeAllConnections(): void }).closeAllConnections();
      });
      await closeDeps(deps);
      await dropDatabase();
      if (config.REDIS_URL) await deleteKeys(config.REDIS_URL, prefix);
    },
  };
}

async function deleteKeys(url: string, prefix: string) {
  const redis = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
}
