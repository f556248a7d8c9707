import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { testDatabaseUrl, withDatabase } from './services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

/**
 * Migrates one template database per test run; each test file then gets its own copy
 * (CREATE DATABASE … TEMPLATE), which is much faster than migrating per file.
 */
export default async function setup(project: TestProject) {
  const admin = postgres(testDatabaseUrl(), { max: 1, onnotice: () => {} });
  const name = `cc_tpl_${randomBytes(4).toString('hex')}`;
  await admin.unsafe(`create database ${name}`);
  const url = withDatabase(testDatabaseUrl(), name);
  const database = await openDatabase({ url, poolSize: 1 });
  await runMigrations(database, url);
  await database.close();
  project.provide('templateDatabase', name);
  return async () => {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  };
}
