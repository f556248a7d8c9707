import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createApiKey } from '../auth/store.js';
import type { AppDeps } from '../deps.js';
import { units } from '../units/tables.js';
import { type SeedOptions, seedDemoCommune } from './commune.js';

/**
 * Seeds the demo commune into an empty database and prints an admin key to try the API with.
 * On a database that holds anything at all it does nothing, so it is safe at every start.
 */
export async function seedDemoIfEmpty(
  deps: AppDeps,
  options: Omit<SeedOptions, 'adminKey'> = {},
): Promise<boolean> {
  const [any] = await deps.db.select({ code: units.code }).from(units).limit(1);
  if (any) return false;
  deps.logger.info('empty database: seeding the demo commune');
  const started = performance.now();
  const { key } = await createApiKey(deps.db, { role: 'admin', label: 'demo admin' });
  const summary = await seedDemoCommune(deps, { ...options, adminKey: key });
  const keyFile = join(deps.config.DATA_DIR, 'demo-admin-key.txt');
  if (deps.database.kind === 'pglite') await writeFile(keyFile, `${key}\n`, { mode: 0o600 }).catch(() => {});
  deps.logger.info(
    { ...summary, keyFile, ms: Math.round(performance.now() - started) },
    'demo commune ready',
  );
  // Printed once, on purpose: the newcomer needs it to call the API (kept only in the embedded demo's DATA_DIR).
  console.log(`\n  Demo admin API key: ${key}\n  (also saved in ${keyFile})\n`);
  return true;
}
