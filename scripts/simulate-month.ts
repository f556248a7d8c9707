// npm run demo:simulate -- [--month YYYY-MM] [--seed N] [--scale S] [--url URL] [--key KEY] [--in-process]
//                          [--concurrency N] [--json report.json]
//
// Simulates a month of the demo commune's payments and checks the metrics API against the simulation's
// ground truth (src/demo/): bills issued through the batch API, QR payments delivered as provider
// callbacks (SePay, payOS, Casso, generic) with duplicates, mangled memos, late and missing callbacks,
// bank statements for the gaps, cash at the counters and the market. Prints a comparison table and
// exits 1 if any figure differs.
//
// Where it sends: to the app at --url; otherwise to the app on http://localhost:$PORT if one answers
// there (the usual `npm start` in another terminal); otherwise it starts the app in this process on the
// configured database (DATABASE_URL/REDIS_URL, or the embedded one in DATA_DIR), seeding the demo commune
// into an empty database first. In-process, provider secrets that are not configured get random ones for
// the run; against a running app, they come from the environment or from the demo's DATA_DIR/demo-secrets.json.

import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../src/app.js';
import { createApiKey } from '../src/auth/store.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { runMigrations } from '../src/db/migrate.js';
import { seedDemoCommune } from '../src/demo/commune.js';
import { findDemoScale } from '../src/demo/history.js';
import { buildCommune } from '../src/demo/model.js';
import { monthDays, planMonth, vnDayOf } from '../src/demo/month.js';
import type { CallbackSecrets } from '../src/demo/providers.js';
import { formatReport, runMonth } from '../src/demo/run.js';
import { configuredSecrets, mergeSecrets, readDemoSecrets, secretNames } from '../src/demo/secrets.js';
import {
  apiClient,
  DemoError,
  httpTransport,
  inProcessTransport,
  type Transport,
} from '../src/demo/transport.js';
import { closeDeps, createDeps, createLogger } from '../src/deps.js';
import { startBackground } from '../src/jobs/registry.js';
import { units } from '../src/units/tables.js';

const USAGE =
  'usage: npm run demo:simulate -- [--month YYYY-MM] [--seed N] [--scale 0.02..1] [--url http://host:port]\n' +
  '                               [--key API_KEY] [--in-process] [--concurrency N] [--json report.json]\n' +
  "  --scale: the demo commune's size; by default the one the service's commune was seeded at\n" +
  '  (an empty database is seeded with the full commune, --scale 1)';

function usage(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      month: { type: 'string' },
      seed: { type: 'string', default: '42' },
      scale: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      'in-process': { type: 'boolean', default: false },
      concurrency: { type: 'string', default: '32' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
try {
  parsed = parse();
} catch (err) {
  usage((err as Error).message);
}
const opts = parsed.values;
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}
const seed = Number(opts.seed);
// Unset: the scale the service's demo commune was seeded at (an empty database: the full commune).
const scaleOption = opts.scale === undefined ? undefined : Number(opts.scale);
const concurrency = Number(opts.concurrency);
if (!Number.isSafeInteger(seed)) usage('--seed must be an integer');
if (scaleOption !== undefined && !(scaleOption > 0 && scaleOption <= 1)) usage('--scale must be in (0, 1]');
if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 512))
  usage('--concurrency must be 1..512');
if (opts.month !== undefined && !/^\d{4}-(0[1-9]|1[0-2])$/.test(opts.month)) usage('--month must be YYYY-MM');

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) usage(err.message);
  throw err;
}

const say = (line: string) => console.error(line);

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(800) });
    return res.ok;
  } catch {
    return false;
  }
}

async function main(): Promise<number> {
  const started = performance.now();
  let transport: Transport;
  let adminKey: string;
  let secrets: CallbackSecrets;
  let cleanup = async () => {};

  const localUrl = `http://localhost:${config.PORT}`;
  const url = opts.url ?? (!opts['in-process'] && (await answers(localUrl)) ? localUrl : undefined);
  if (url) {
    say(`Sending to the app at ${url}`);
    transport = httpTransport(url);
    const keyFile = join(config.DATA_DIR, 'demo-admin-key.txt');
    adminKey =
      opts.key ??
      process.env.CC_API_KEY ??
      (await readFile(keyFile, 'utf8').then(
        (s) => s.trim(),
        () => '',
      )) ??
      '';
    if (!adminKey) usage(`No admin key: pass --key, set CC_API_KEY, or keep the demo's ${keyFile}`);
    secrets = mergeSecrets(configuredSecrets(config), await readDemoSecrets(config.DATA_DIR));
  } else {
    say(
      `Starting the app in this process (${config.DATABASE_URL ? 'PostgreSQL' : `embedded database in ${config.DATA_DIR}`}, ${config.REDIS_URL ? 'BullMQ on Redis' : 'in-process jobs'})`,
    );
    const logger = createLogger({ LOG_LEVEL: process.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn' });
    const deps = await createDeps(config, { logger, queuePrefix: process.env.BULLMQ_PREFIX });
    cleanup = () => closeDeps(deps);
    await runMigrations(deps.database, config.DATABASE_URL);
    const [any] = await deps.db.select({ code: units.code }).from(units).limit(1);
    if (!any) {
      say(`Empty database: seeding the demo commune (scale ${scaleOption ?? 1})`);
      await seedDemoCommune(deps, { scale: scaleOption ?? 1 });
    }
    // Secrets nobody configured: random ones for this run, known to the app and to the sender alone.
    const missing = Object.fromEntries(
      secretNames.filter((n) => !deps.config[n]).map((n) => [n, `sim-${randomBytes(24).toString('hex')}`]),
    );
    deps.config = { ...deps.config, ...missing };
    secrets = configuredSecrets(deps.config);
    await startBackground(deps, 'all');
    transport = inProcessTransport(createApp(deps));
    adminKey = (await createApiKey(deps.db, { role: 'admin', label: 'demo simulation' })).key;
  }

  try {
    const api = apiClient(transport, adminKey);
    const seeded = await findDemoScale(api, scaleOption === undefined ? undefined : [scaleOption]);
    if (seeded === undefined) {
      throw new DemoError(
        scaleOption === undefined
          ? 'The service has no demo commune (or one of a scale this simulation does not know): start it on an empty database with DEMO=1, or run this on an empty database'
          : `The service's demo commune is not the one of --scale ${scaleOption}: leave --scale out to use the commune's own scale`,
      );
    }
    const scale = seeded;
    const commune = buildCommune(scale);
    const now = new Date();
    const month = opts.month ?? (await latestEmptyMonth(api, commune.commune.code, now));
    const days = monthDays(month);
    if (days[0]! > vnDayOf(now)) usage(`${month} has not begun yet: pick a month up to the current one`);
    const current = days.includes(vnDayOf(now));
    const plan = planMonth(commune, { month, seed, until: current ? now : undefined });
    say(
      `Simulating ${month}${current ? ' (so far)' : ''} for ${commune.commune.name}: ${commune.households.length} households, ${commune.stalls.length} stalls, seed ${seed}, scale ${scale}`,
    );
    const report = await runMonth({ transport, adminKey, secrets, commune, plan, concurrency, log: say });
    const seconds = (performance.now() - started) / 1000;
    console.log(formatReport(report, commune));
    console.log(
      `\n${report.counts.payments.toLocaleString('en-US')} payments generated and reconciled in ${seconds.toFixed(1)} s (${report.counts.callbacksSent + report.counts.duplicatesSent + report.counts.late} callbacks, ${report.counts.cashEntries} cash entries, ${report.counts.statements} statements).`,
    );
    if (opts.json) {
      await writeFile(opts.json, `${JSON.stringify({ ...report, expected: undefined, seconds }, null, 2)}\n`);
    }
    return report.ok ? 0 : 1;
  } finally {
    await cleanup();
  }
}

/** The most recent full month (before the current one) in which the demo commune has no payment yet. */
async function latestEmptyMonth(api: ReturnType<typeof apiClient>, unit: string, now: Date): Promise<string> {
  const [y, m] = vnDayOf(now).split('-').map(Number) as [number, number];
  for (let back = 1; back <= 36; back++) {
    const d = new Date(Date.UTC(y, m - 1 - back, 1));
    const month = d.toISOString().slice(0, 7);
    const days = monthDays(month);
    const r = await api.json('GET', `/v1/metrics/cashless?unit=${unit}&from=${days[0]}&to=${days.at(-1)}`);
    if (r.totals.cashless.count + r.totals.cash.count === 0) return month;
  }
  throw new DemoError('Every month of the last three years has payments: pass --month');
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof DemoError) {
      console.error(err.message);
      process.exit(1);
    }
    console.error(err);
    process.exit(1);
  },
);
