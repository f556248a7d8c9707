// npm run check:invariants [-- --json] [--skip-rollups] [--outbox-max-age 300] [--event-max-age 900]
//                           [--sample 10] [--timeout 60]
// Checks the money invariants (src/invariants) against the configured database and prints a report.
// Read-only (one read-only snapshot, each statement under a timeout, a bounded sample per problem), so
// it is safe against production. Exit 0: every invariant holds; 1: a violation; 2: it could not check.
// With embedded PGlite (no DATABASE_URL), stop the server first: PGlite has one process at a time.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { checkInvariants } from '../src/invariants/check.js';
import { defaultInvariantOptions } from '../src/invariants/checks.js';
import { formatReport } from '../src/invariants/report.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    'skip-rollups': { type: 'boolean', default: false },
    'outbox-max-age': { type: 'string' },
    'event-max-age': { type: 'string' },
    sample: { type: 'string' },
    timeout: { type: 'string' },
  },
});

function seconds(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} must be a number of seconds, got ${value}`);
    process.exit(2);
  }
  return n;
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(2);
}
const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: 1 });
const started = performance.now();
try {
  const report = await checkInvariants(database.db, {
    outboxMaxAgeS: seconds('outbox-max-age', values['outbox-max-age'], defaultInvariantOptions.outboxMaxAgeS),
    eventMaxAgeS: seconds('event-max-age', values['event-max-age'], defaultInvariantOptions.eventMaxAgeS),
    sampleSize: Math.floor(seconds('sample', values.sample, defaultInvariantOptions.sampleSize)),
    statementTimeoutMs: seconds('timeout', values.timeout, 60) * 1000,
    rollups: !values['skip-rollups'],
  });
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log(formatReport(report));
  console.error(`checked in ${Math.round(performance.now() - started)} ms`);
  process.exitCode = report.ok ? 0 : 1;
} catch (err) {
  // Drizzle wraps the driver's error (with the whole query) around the reason: show the reason.
  const reason =
    err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
  console.error(`could not check the invariants: ${reason}`);
  process.exitCode = 2;
} finally {
  await database.close();
}
