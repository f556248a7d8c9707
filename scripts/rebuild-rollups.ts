// npm run rollups:rebuild [-- --check]
// Recomputes the metrics rollups from the source tables (cash payments, allocations of cashless
// transactions). With --check it changes nothing: it lists where the stored rollups differ from a
// rebuild and exits 1 if they do (what `npm run check:invariants` relies on).
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { compareRollupsWithRebuild, rebuildRollups } from '../src/metrics/rebuild.js';

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
const config = loadConfig();
const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: 1 });
try {
  await runMigrations(database, config.DATABASE_URL);
  const started = performance.now();
  if (values.check) {
    const diffs = await compareRollupsWithRebuild(database.db);
    for (const d of diffs.slice(0, 50)) console.log(JSON.stringify(d));
    if (diffs.length > 50) console.log(`… and ${diffs.length - 50} more`);
    console.error(
      diffs.length === 0
        ? `rollups agree with a rebuild (${Math.round(performance.now() - started)} ms)`
        : `${diffs.length} rollup rows differ from a rebuild`,
    );
    if (diffs.length > 0) process.exitCode = 1;
  } else {
    const summary = await rebuildRollups(database.db);
    console.error(
      `rollups rebuilt from ${summary.sources.join(', ') || 'no sources'}: ${summary.payments} payment rows, ` +
        `${summary.paymentMonths} payment-month rows, ${summary.payers} payer rows, ${summary.payerMonths} payer-month rows, ` +
        `${summary.payees} payee rows, ${summary.payerScopes} payer-scope rows, ${summary.payerTallies} payer tallies, ` +
        `${summary.stallPeriods} stall-period rows, ${summary.stallTallies} stall tallies ` +
        `(${Math.round(performance.now() - started)} ms)`,
    );
  }
} finally {
  await database.close();
}
