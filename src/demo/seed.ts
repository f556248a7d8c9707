import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { createApiKey } from '../auth/store.js';
import type { AppDeps } from '../deps.js';
import { units } from '../units/tables.js';
import { seedDemoCommune } from './commune.js';
import { DEMO_START_SCALE, type HistoryReport, playDemoHistory } from './history.js';
import { DEMO_COMMUNE } from './model.js';

export type SeedIfEmptyOptions = {
  /** The commune's scale (default DEMO_START_SCALE). */
  scale?: number;
};

/**
 * Seeds the demo commune into an empty database and prints an admin key to try the API with.
 * On a database that holds anything at all it does nothing, so it is safe at every start.
 * The commune has no payments yet: `startDemoHistory` plays them once the service listens.
 */
export async function seedDemoIfEmpty(
  deps: AppDeps,
  options: SeedIfEmptyOptions = {},
): Promise<{ seeded: boolean }> {
  const [any] = await deps.db.select({ code: units.code }).from(units).limit(1);
  if (any) return { seeded: false };
  deps.logger.info('empty database: seeding the demo commune');
  const started = performance.now();
  const { key } = await createApiKey(deps.db, { role: 'admin', label: 'demo admin' });
  const summary = await seedDemoCommune(deps, { scale: options.scale ?? DEMO_START_SCALE });
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
  return { seeded: true };
}

export type DemoHistory = {
  /** Settles when the history is played, interrupted or failed (never rejects: it logs). */
  done: Promise<HistoryReport | undefined>;
  /** Stops it between two units of work (shutdown); the next start resumes where it stopped. */
  stop(): Promise<void>;
};

/**
 * Plays the demo commune's history in the background (history.ts), logging its progress, when the
 * database holds the demo commune. Every start calls it: a complete history is checked in a moment, an
 * interrupted one resumes without doubling anything.
 */
export function startDemoHistory(deps: AppDeps, options: { marketVolume?: number } = {}): DemoHistory {
  const controller = new AbortController();
  const log = deps.logger.child({ demo: 'history' });
  const done = (async () => {
    const [commune] = await deps.db
      .select({ code: units.code })
      .from(units)
      .where(eq(units.code, DEMO_COMMUNE.code))
      .limit(1);
    if (!commune) return undefined;
    log.info('demo history: playing the demo month into the running service (the API answers meanwhile)');
    const report = await playDemoHistory(deps, {
      marketVolume: options.marketVolume,
      signal: controller.signal,
      log: (line) => log.info(`demo history:${line}`),
    });
    const played = report.months.filter((m) => m.status === 'played');
    log.info(
      {
        scale: report.scale,
        months: report.months.map((m) => ({ month: m.month, status: m.status, payments: m.payments })),
        ms: report.ms,
      },
      played.length > 0
        ? `demo history ready: ${report.months.map((m) => `${m.month} ${m.payments} payments`).join(', ')} in ${(report.ms / 1000).toFixed(0)} s`
        : 'demo history: already complete',
    );
    return report;
  })().catch((err: unknown) => {
    if (controller.signal.aborted) {
      log.info('demo history stopped: the next start resumes it (nothing is doubled)');
    } else {
      log.error(
        { err },
        'demo history failed: the demo commune is there, its history is partial; the next start retries it',
      );
    }
    return undefined;
  });
  return {
    done,
    async stop() {
      controller.abort();
      await done;
    },
  };
}
