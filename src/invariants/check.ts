import type { DbOrTx } from '../db/client.js';
import { compareRollupsWithRebuild } from '../metrics/rebuild.js';
import {
  checkTables,
  defaultInvariantOptions,
  type InvariantOptions,
  type InvariantResult,
} from './checks.js';
import { type InvariantReport, toReport } from './report.js';

export type CheckOptions = Partial<InvariantOptions> & {
  /** Compare the metrics rollups with a rebuild from the source tables (default true). */
  rollups?: boolean;
  statementTimeoutMs?: number;
};

/** The rollups as kept incrementally equal a rebuild from cash payments and allocations (src/metrics). */
export async function checkRollups(db: DbOrTx, sampleSize: number): Promise<InvariantResult> {
  const diffs = await compareRollupsWithRebuild(db);
  const byTable = new Map<string, typeof diffs>();
  for (const d of diffs) byTable.set(d.table, [...(byTable.get(d.table) ?? []), d]);
  return {
    name: 'rollups-match-rebuild',
    description: 'The metrics rollups equal a rebuild from the payments they count',
    violations: [...byTable].map(([table, ds]) => ({
      problem: `${table} row differs from a rebuild`,
      count: ds.length,
      sample: ds.slice(0, sampleSize).map((d) => ({ key: d.key, stored: d.stored, rebuilt: d.rebuilt })),
    })),
  };
}

/** Every invariant, read-only. `npm run check:invariants` prints this; tests assert on it. */
export async function checkInvariants(db: DbOrTx, options: CheckOptions = {}): Promise<InvariantReport> {
  const results = await checkTables(db, options);
  if (options.rollups !== false)
    results.push(await checkRollups(db, options.sampleSize ?? defaultInvariantOptions.sampleSize));
  return toReport(results);
}
