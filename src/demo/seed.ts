import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createApiKey } from '../auth/store.js';
import type { AppDeps } from '../deps.js';
import { units } from '../units/tables.js';
import { seedDemoCommune } from './commune.js';

/** Seeds the demo commune into an empty database and prints an admin key to try the API with. */
export async function seedDemoIfEmpty(deps: AppDeps): Promise<void> {
  const [any] = await deps.db.select({ code: units.code }).from(units).limit(1);
  if (any) return;
  deps.logger.info('empty database: seeding the demo commune');
  const summary = await seedDemoCommune(deps);
  const { key } = await createApiKey(deps.db, { role: 'admin', label: 'demo admin' });
  const keyFile = join(deps.config.DATA_DIR, 'demo-admin-key.txt');
  if (deps.database.kind === 'pglite') await writeFile(keyFile, `${key}\n`, { mode: 0o600 }).catch(() => {});
  deps.logger.info({ ...summary, keyFile }, 'demo commune ready');
  // Printed once, on purpose: the newcomer needs it to call the API. It is not stored anywhere in clear.
  console.log(`\n  Demo admin API key: ${key}\n  (also saved in ${keyFile})\n`);
}
