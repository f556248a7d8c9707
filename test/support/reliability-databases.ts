import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { inject } from 'vitest';
import { createApiKey } from '../../src/auth/store.js';
import { type Database, openDatabase } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { backend } from './app.js';
import { testDatabaseUrl, withDatabase } from './services.js';

/**
 * A database for processes the test starts itself: a fresh Postgres database (from the migrated
 * template) or, on the embedded backend, a PGlite folder on disk (one process at a time may open it).
 */
export async function processDatabase(kind: 'postgres' | 'embedded' = backend) {
  if (kind === 'postgres') {
    const name = `cc_p_${randomBytes(5).toString('hex')}`;
    const admin = postgres(testDatabaseUrl(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name} template ${inject('templateDatabase')}`);
    const url = withDatabase(testDatabaseUrl(), name);
    return {
      name,
      env: { DATABASE_URL: url } as Record<string, string>,
      open: () => openDatabase({ url, poolSize: 4 }),
      admin,
      async drop() {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
        await admin.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'cc-pglite-'));
  const database = await openDatabase({ dataDir: dir });
  await runMigrations(database);
  await database.close();
  return {
    name: dir,
    env: { DATA_DIR: dir } as Record<string, string>,
    open: () => openDatabase({ dataDir: dir }),
    admin: undefined,
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An admin key stored straight in the database (before the processes start, for PGlite). */
export async function adminKeyIn(open: () => Promise<Database>): Promise<string> {
  const database = await open();
  try {
    return (await createApiKey(database.db, { role: 'admin', label: 'test admin' })).key;
  } finally {
    await database.close();
  }
}
