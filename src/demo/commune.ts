/**
 * Writes the demo commune (model.ts) into the database through the features' own store functions, in
 * bulk, and gives it a history: the current month so far, its bills issued and paid, the market
 * trading, everything reconciled. The history goes through the public API in-process (run.ts) and
 * reaches the service as bank statements, which are reconciled as they are imported: a start needs no
 * background job to show a living dashboard. The callback path is what `npm run demo:simulate` exercises.
 */
import { createApp } from '../app.js';
import { createApiKey } from '../auth/store.js';
import type { AppDeps } from '../deps.js';
import { vnDay } from '../metrics/day.js';
import { createPayee, type NewPayee } from '../payees/store.js';
import { createHouseholds, createUnit } from '../units/store.js';
import { buildCommune, type Commune } from './model.js';
import { planMonth } from './month.js';
import { runMonth } from './run.js';
import { inProcessTransport } from './transport.js';

export type SeedOptions = {
  /** 1 = the full commune (the default); smaller for quick tests. */
  scale?: number;
  /** Also seed the current month so far (default true). */
  history?: boolean;
  /** Fraction of the market's sales in the history (default HISTORY_MARKET_VOLUME). */
  marketVolume?: number;
  /** An admin key for the history's API calls (one is made if absent). */
  adminKey?: string;
};

/**
 * The history keeps a tenth of the market's sales (every stall still trades every day): the ratios are
 * the same and the start stays quick on the embedded database. `npm run demo:simulate` plays a full month.
 */
export const HISTORY_MARKET_VOLUME = 0.1;
export const HISTORY_SEED = 1;

export type SeedSummary = {
  units: number;
  households: number;
  payees: number;
  students: number;
  history?: { month: string; from: string; to: string; payments: number; bills: number };
};

/** The commune's units, households and payees, in bulk. */
export async function writeCommune(deps: AppDeps, commune: Commune): Promise<void> {
  const { db } = deps;
  const province = await createUnit(db, { ...commune.province, level: 'province' }, undefined);
  const unit = await createUnit(
    db,
    { ...commune.commune, level: 'commune', parentCode: province.code },
    province,
  );
  for (const h of commune.hamlets) {
    await createUnit(db, { code: h.code, name: h.name, level: 'hamlet', parentCode: unit.code }, unit);
  }
  for (let i = 0; i < commune.households.length; i += 1000) {
    await createHouseholds(
      db,
      commune.households
        .slice(i, i + 1000)
        .map((h) => ({ code: h.code, unitCode: h.hamletCode, members: h.members })),
      () => true,
    );
  }
  const payees: NewPayee[] = [
    ...Object.values(commune.billers).map((b) => ({
      kind: b.kind,
      name: b.name,
      unitCode: unit.code,
      bankBin: b.account.bin,
      accountNumber: b.account.number,
      accountName: b.account.holder,
    })),
    ...commune.schools.map((s) => ({
      kind: 'school' as const,
      name: s.name,
      unitCode: unit.code,
      bankBin: s.account.bin,
      accountNumber: s.account.number,
      accountName: s.account.holder,
    })),
    // The market serves the whole commune: its stalls (and their sales) count on the commune itself.
    ...commune.stalls.map((s) => ({
      kind: 'market_vendor' as const,
      name: s.name,
      unitCode: unit.code,
      bankBin: s.account.bin,
      accountNumber: s.account.number,
      accountName: s.account.holder,
      stallNo: s.stallNo,
    })),
  ];
  await db.transaction(async (tx) => {
    for (const p of payees) await createPayee(tx, p, unit.path);
  });
}

/**
 * Seeds the demo commune and (by default) its history: the current month up to now. Deterministic:
 * the same commune every time (ids and reference codes aside, which are random by design).
 */
export async function seedDemoCommune(deps: AppDeps, options: SeedOptions = {}): Promise<SeedSummary> {
  const commune = buildCommune(options.scale ?? 1);
  await writeCommune(deps, commune);
  const summary: SeedSummary = {
    units: 2 + commune.hamlets.length,
    households: commune.households.length,
    payees: commune.stalls.length + commune.schools.length + Object.keys(commune.billers).length,
    students: commune.schools.reduce((n, s) => n + s.students.length, 0),
  };
  if (options.history === false) return summary;
  summary.history = await seedDemoHistory(deps, commune, options);
  return summary;
}

/**
 * The demo's history: the current month so far (in Asia/Ho_Chi_Minh), its bills issued and paid, the
 * market trading, delivered through the API in-process and reconciled from bank statements.
 */
export async function seedDemoHistory(
  deps: AppDeps,
  commune: Commune,
  options: Pick<SeedOptions, 'marketVolume' | 'adminKey'> & { log?: (line: string) => void } = {},
): Promise<NonNullable<SeedSummary['history']>> {
  const now = deps.clock.now();
  const month = vnDay(now).slice(0, 7);
  const plan = planMonth(commune, {
    month,
    seed: HISTORY_SEED,
    until: now,
    marketVolume: options.marketVolume ?? HISTORY_MARKET_VOLUME,
    delivery: 'statements',
  });
  const adminKey =
    options.adminKey ?? (await createApiKey(deps.db, { role: 'admin', label: 'demo history' })).key;
  // The history's own requests are not worth a log line each.
  const quiet = { ...deps, logger: deps.logger.child({ demo: 'history' }, { level: 'warn' }) };
  const report = await runMonth({
    transport: inProcessTransport(createApp(quiet)),
    adminKey,
    secrets: {},
    commune,
    plan,
    check: false,
    requireEmptyMonth: false,
    log: options.log,
    // The embedded database runs one statement at a time: more in flight would only queue.
    concurrency: deps.database.kind === 'pglite' ? 1 : 16,
  });
  return {
    month,
    from: plan.from,
    to: plan.to,
    payments: report.counts.payments,
    bills: report.counts.bills,
  };
}
