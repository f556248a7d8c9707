import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createApiKey } from '../auth/store.js';
import type { AppDeps } from '../deps.js';
import { units } from '../units/tables.js';
import { type SeedOptions, seedDemoCommune, seedDemoHistory } from './commune.js';
import { buildCommune } from './model.js';

export type SeedIfEmptyOptions = Pick<SeedOptions, 'scale' | 'marketVolume'> & {
  /**
   * `await` (default): return once the history is in. `background`: return once the commune is written
   * and let the history fill in while the app starts (what `npm start` does, so it is up at once).
   * `none`: no history.
   */
  history?: 'await' | 'background' | 'none';
};

/**
 * Seeds the demo commune into an empty database and prints an admin key to try the API with.
 * On a database that holds anything at all it does nothing, so it is safe at every start.
 * Returns whether it seeded, and (with `history: 'background'`) the history still filling in.
 */
export async function seedDemoIfEmpty(
  deps: AppDeps,
  options: SeedIfEmptyOptions = {},
): Promise<{ seeded: boolean; history?: Promise<void> }> {
  const [any] = await deps.db.select({ code: units.code }).from(units).limit(1);
  if (any) return { seeded: false };
  deps.logger.info('empty database: seeding the demo commune');
  const started = performance.now();
  const { key } = await createApiKey(deps.db, { role: 'admin', label: 'demo admin' });
  const summary = await seedDemoCommune(deps, { scale: options.scale, history: false });
  // Kept for the embedded demo only (its DATA_DIR is the demo's own folder), where demo:simulate finds it.
  const keyFile =
    deps.database.kind === 'pglite' && !deps.config.DATA_DIR.startsWith('memory://')
      ? join(deps.config.DATA_DIR, 'demo-admin-key.txt')
      : undefined;
  const saved = keyFile
    ? await writeFile(keyFile, `${key}\n`, { mode: 0o600 }).then(
        () => true,
        () => false,
      )
    : false;
  deps.logger.info(
    { ...summary, keyFile, ms: Math.round(performance.now() - started) },
    'demo commune ready',
  );
  // Printed once, on purpose: the newcomer needs it to call the API.
  console.log(`\n  Demo admin API key: ${key}${saved ? `\n  (also saved in ${keyFile})` : ''}\n`);

  const mode = options.history ?? 'await';
  if (mode === 'none') return { seeded: true };
  const history = seedDemoHistory(deps, buildCommune(options.scale ?? 1), {
    marketVolume: options.marketVolume,
    adminKey: key,
    log: (line) => deps.logger.info(`demo history:${line.replace(/^\s+/, ' ')}`),
  }).then(
    (h) => deps.logger.info({ ...h, ms: Math.round(performance.now() - started) }, 'demo history ready'),
    (err) => {
      deps.logger.error(
        { err },
        'demo history interrupted: the demo commune is there, its history is partial (delete DATA_DIR, or the database, to seed again)',
      );
      if (mode === 'await') throw err;
    },
  );
  if (mode === 'await') {
    await history;
    return { seeded: true };
  }
  return { seeded: true, history };
}
