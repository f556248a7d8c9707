/**
 * npm run bench [-- --quick] [-- --only ceilings,driver,issue,qr,callbacks,ack,metrics] [-- --profile] …
 *
 * Runs the k6 scenarios of load-tests/k6/ from Node against a real server on Postgres + Redis, and
 * prints one table: throughput, p50/p95/p99 latency and errors of each path, next to the ceilings of the
 * stack underneath measured in the same run (Hono hello-world, raw Postgres single-row commits, BullMQ
 * empty jobs), each path as a ratio of its ceiling.
 *
 * - Database: DATABASE_URL, or (default) a fresh database cc_bench_<ts> on postgres@127.0.0.1, dropped
 *   afterwards (--keep keeps it). Redis: REDIS_URL, or (default) an empty logical database of the local
 *   Redis, whose keys are removed afterwards.
 * - The API (`ROLE=api`) and a worker are child processes, compiled first (`npm run build`) and run as
 *   deployed (`node --max-old-space-size=256 dist/src/main.js`, `node --max-old-space-size=128
 *   dist/workers/all.js`); so is the hello-world server, so the load generator (this process) never
 *   shares their event loop.
 * - Callbacks are measured end to end: HTTP → stored → matched (the transactions counted after the load,
 *   with the time the backlog took to drain), and the acknowledgement latency at a fixed rate.
 * - Metrics are read from rollups; 10M transactions' worth of rollup rows are written in bulk with
 *   generate_series (load-tests/metrics-data.ts says what shape), not by 10M real payments.
 *
 * Exits non-zero only when requests failed (non-2xx, transport errors), never because of a time.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { createApiKey } from '../src/auth/store.js';
import { hmacHex } from '../src/callbacks/signing.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { bullmqRate, driverSaturatedRounds, pgCommitRate } from './ceilings.js';
import { buildCallback, callbackFor } from './k6/formats.js';
import { type CannonRequest, closedLoop, type Outcome, paced } from './load.js';
import { generateMetricsData } from './metrics-data.js';
import {
  type Child,
  cpuMsOf,
  freePort,
  rssOf,
  sampleRss,
  startChild,
  stopChild,
  waitReady,
} from './processes.js';
import { formatHot, monotonicUs, type Window } from './profile.js';
import { apiClient, seedCommune, seedRequests } from './seed.js';
import { formatStatements, type StatementStat, type StatementWatch, watchStatements } from './statements.js';
import {
  cpuMicrosPerOp,
  formatMb,
  formatMs,
  formatRate,
  formatTable,
  type ResultRow,
  walBytesPerOp,
} from './stats.js';

const SCENARIOS = ['ceilings', 'driver', 'issue', 'qr', 'callbacks', 'ack', 'metrics'] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string' },
    'ack-rate': { type: 'string' },
    'metrics-transactions': { type: 'string' },
    pool: { type: 'string' },
    'log-level': { type: 'string' },
    profile: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(`npm run bench -- [options]
  --quick                    short runs and small data (a smoke run, ~1-2 min)
  --only a,b                 scenarios: ${SCENARIOS.join(', ')} (default: all)
  --duration S               seconds per load (default 20; quick 3)
  --connections N            closed-loop connections (default 64; quick 16)
  --ack-rate R               callbacks/s for the fixed-rate acknowledgement run (default 2000; quick 300)
  --metrics-transactions N   transactions' worth of rollups (default 10000000; quick 100000)
  --pool N                   DB_POOL_SIZE of the API and worker (default: $DB_POOL_SIZE or 10)
  --log-level L              LOG_LEVEL of the API and worker (default: $LOG_LEVEL or info, as deployed)
  --profile                  --cpu-prof on the API and worker; prints their hottest functions, and
                             Postgres's statements by time when the server loads pg_stat_statements
  --keep                     keep the bench database
  --json FILE                also write the results as JSON`);
  process.exit(0);
}

const quick = args.quick;
const only = new Set<Scenario>(
  (args.only?.split(',').map((s) => s.trim()) as Scenario[] | undefined) ?? [...SCENARIOS],
);
for (const s of only)
  if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}; use ${SCENARIOS.join(', ')}`);
const durationS = Number(args.duration ?? (quick ? 3 : 20));
/** Metrics are read by people at dashboards, not by a flood: latency at this many concurrent reads. */
const METRICS_CONNECTIONS = 2;
/** Each load is preceded by this much of the same load, not counted: JIT, pools and caches warm. */
const warmS = quick ? 1 : 3;
const connections = Number(args.connections ?? (quick ? 16 : 64));
const ackRate = Number(args['ack-rate'] ?? (quick ? 300 : 2000));
const metricsTransactions = Number(args['metrics-transactions'] ?? (quick ? 100_000 : 10_000_000));
const poolSize = Number(args.pool ?? process.env.DB_POOL_SIZE ?? 10);
const logLevel = args['log-level'] ?? process.env.LOG_LEVEL ?? 'info';
const stamp = Date.now();
const workDir = mkdtempSync(path.join(os.tmpdir(), 'cc-bench-'));

const secrets = {
  GENERIC_WEBHOOK_SECRET: `bench-generic-${randomBytes(8).toString('hex')}`,
  SEPAY_API_KEY: `bench-sepay-${randomBytes(8).toString('hex')}`,
  SEPAY_WEBHOOK_SECRET: `bench-sepay-hmac-${randomBytes(8).toString('hex')}`,
  PAYOS_CHECKSUM_KEY: `bench-payos-${randomBytes(8).toString('hex')}`,
  CASSO_WEBHOOK_SECRET: `bench-casso-${randomBytes(8).toString('hex')}`,
};

const log = (msg: string) =>
  console.log(`[bench ${((Date.now() - stamp) / 1000).toFixed(0).padStart(4)}s] ${msg}`);
const describe = (o: Outcome) =>
  `${formatRate(o.rate)}/s, p50 ${formatMs(o.latency.p50)} p95 ${formatMs(o.latency.p95)} p99 ${formatMs(o.latency.p99)} ms, ` +
  `${o.errors} errors ${JSON.stringify(o.statuses)}`;

/** What a load cost the servers, per operation: the CPU and WAL columns of its result row. */
type Cost = Required<Pick<ResultRow, 'cpu'>> & Pick<ResultRow, 'walBytes'>;

/**
 * Meters what loads cost, reading the bench database's backends and the server's WAL position through
 * `watcher`. `costMeter(processes)` starts counting; the function it returns gives, per operation, the CPU
 * of those processes and of the bench database's Postgres backends (`postgres`) in µs, and the WAL written
 * meanwhile in bytes (the whole server's: the bench is meant to be alone on it).
 */
function costMeterOn(watcher: postgres.Sql, dbName: string) {
  const backendPids = async () =>
    (
      await watcher<
        { pid: number }[]
      >`select pid from pg_stat_activity where datname = ${dbName} and pid <> pg_backend_pid()`
    ).map((r) => r.pid);
  const walPosition = async () =>
    (await watcher<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`)[0]!.lsn;
  const backendCpuMs = async () => {
    const perPid = new Map<number, number>();
    for (const pid of await backendPids()) {
      const ms = cpuMsOf(pid);
      if (ms !== undefined) perPid.set(pid, ms);
    }
    return perPid;
  };
  return async (processes: { api: Child; worker?: Child }) => {
    const processCpuMs = () => ({
      api: cpuMsOf(processes.api.pid),
      worker: processes.worker && cpuMsOf(processes.worker.pid),
    });
    const before = { processes: processCpuMs(), backends: await backendCpuMs(), wal: await walPosition() };
    return async (ops: number): Promise<Cost> => {
      const after = { processes: processCpuMs(), backends: await backendCpuMs(), wal: await walPosition() };
      // A backend that started during the load counts from 0; one that ended is lost (pools keep theirs).
      let pgMs = 0;
      for (const [pid, ms] of after.backends) pgMs += ms - (before.backends.get(pid) ?? 0);
      return {
        cpu: {
          api: cpuMicrosPerOp(before.processes.api, after.processes.api, ops),
          worker: cpuMicrosPerOp(before.processes.worker, after.processes.worker, ops),
          postgres: cpuMicrosPerOp(0, pgMs, ops),
        },
        walBytes: walBytesPerOp(before.wal, after.wal, ops),
      };
    };
  };
}

// ---------------------------------------------------------------------------------------------------
// Services: our own database and Redis logical database unless given.

async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, drop: async () => {} };
  const server = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
  const name = `cc_bench_${stamp}`;
  const admin = postgres(`${server}/postgres`, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  return {
    url: `${server}/${name}`,
    async drop() {
      if (args.keep) {
        log(`kept database ${name}`);
        return;
      }
      const a = postgres(`${server}/postgres`, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/** An empty logical database of the local Redis (15 down to 1), emptied of our keys afterwards. */
async function chooseRedis(): Promise<{ url: string; clean(): Promise<void> }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, clean: async () => {} };
  const server = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  for (let db = 15; db >= 1; db--) {
    const r = new Redis(`${server}/${db}`, { maxRetriesPerRequest: 1 });
    const size = await r.dbsize();
    r.disconnect();
    if (size === 0) {
      const url = `${server}/${db}`;
      return {
        url,
        async clean() {
          const c = new Redis(url);
          for (const pattern of ['cc:*', 'cc-bench-*']) {
            let cursor = '0';
            do {
              const [next, keys] = await c.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
              cursor = next;
              if (keys.length > 0) await c.del(...keys);
            } while (cursor !== '0');
          }
          c.disconnect();
        },
      };
    }
  }
  throw new Error('no empty Redis logical database (1-15) to run in; set REDIS_URL');
}

// ---------------------------------------------------------------------------------------------------

/**
 * When each load ran (CLOCK_MONOTONIC µs), to read the CPU profiles per scenario, and with --profile what
 * Postgres's statements did meanwhile (when the server has pg_stat_statements).
 */
const windows: (Window & { name: string; statements?: StatementStat[] })[] = [];
let statementWatch: StatementWatch | undefined;
async function timed<T>(name: string, run: () => Promise<T>): Promise<T> {
  await statementWatch?.reset();
  const fromUs = monotonicUs();
  try {
    return await run();
  } finally {
    const toUs = monotonicUs();
    const statements = await statementWatch?.read();
    windows.push({ name, fromUs, toUs, statements });
  }
}

type Results = {
  rows: ResultRow[];
  notes: string[];
  failed: string[];
};

async function main() {
  const results: Results = { rows: [], notes: [], failed: [] };
  const loadBefore = os.loadavg();
  const database = await createDatabase();
  const redis = await chooseRedis();
  const children: Child[] = [];
  log(`database ${database.url.replace(/\/\/[^@]*@/, '//')}, redis ${redis.url}, work dir ${workDir}`);
  const dbName = new URL(database.url).pathname.slice(1);
  const watcher = postgres(database.url, { max: 1, onnotice: () => {} });
  if (args.profile) {
    const statements = await watchStatements(watcher, dbName);
    if ('watch' in statements) statementWatch = statements.watch;
    else log(`no Postgres statements in the profile: ${statements.unavailable}`);
  }
  const costMeter = costMeterOn(watcher, dbName);
  /**
   * Waits (up to `limitS`) until no query of an earlier scenario still runs in the bench database: a
   * metrics query answered after its client gave up keeps Postgres busy for seconds, and its CPU would be
   * counted against the next scenario (seen: 5-second metrics queries still running as the callbacks began).
   */
  const databaseIdle = async (limitS = 120) => {
    const deadline = performance.now() + limitS * 1000;
    for (;;) {
      const [row] = await watcher<{ n: string }[]>`
        select count(*) as n from pg_stat_activity
        where datname = ${dbName} and pid <> pg_backend_pid() and state = 'active' and backend_type = 'client backend'`;
      if (Number(row!.n) === 0 || performance.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const record = (row: ResultRow, outcome?: Outcome) => {
    results.rows.push(row);
    if (outcome && outcome.errors > 0)
      results.failed.push(`${row.name}: ${outcome.errors} failed ${JSON.stringify(outcome.statuses)}`);
  };

  try {
    // Migrations once, here, before the children start (they would each take the migration lock).
    const db = await openDatabase({ url: database.url, poolSize: 2 });
    await runMigrations(db, database.url);
    const { key: adminKey } = await createApiKey(db.db, { role: 'admin', label: 'bench admin' });
    await db.close();

    // ---- Ceilings -----------------------------------------------------------------------------------
    let hello: Outcome | undefined;
    let pgCommit: Outcome | undefined;
    let bull: Outcome | undefined;
    if (only.has('ceilings')) {
      const port = await freePort();
      const child = startChild(
        'hello',
        'load-tests/hello-server.ts',
        { PORT: String(port) },
        path.join(workDir, 'hello.log'),
      );
      children.push(child);
      await waitReady(child, `http://127.0.0.1:${port}/`);
      await closedLoop({
        url: `http://127.0.0.1:${port}`,
        connections,
        durationS: 1,
        requests: [{ path: '/' }],
      });
      const meter = await costMeter({ api: child });
      hello = await closedLoop({
        url: `http://127.0.0.1:${port}`,
        connections,
        durationS,
        requests: [{ path: '/' }],
      });
      const helloCost = await meter(hello.requests);
      await stopChild(child);
      log(`hello-world: ${describe(hello)}`);
      record(
        {
          name: 'ceiling: Hono hello-world GET (node-server, own process)',
          rate: hello.rate,
          latency: hello.latency,
          errors: hello.errors,
          cpu: { api: helloCost.cpu.api },
        },
        hello,
      );

      pgCommit = await pgCommitRate(database.url, poolSize, durationS);
      log(`postgres commits: ${describe(pgCommit)}`);
      record(
        {
          name: `ceiling: Postgres single-row commit (${poolSize} connections)`,
          rate: pgCommit.rate,
          latency: pgCommit.latency,
          errors: pgCommit.errors,
        },
        pgCommit,
      );

      bull = await bullmqRate(redis.url, `cc-bench-${stamp}`, durationS);
      log(`bullmq: ${describe(bull)}`);
      record(
        {
          name: 'ceiling: BullMQ empty job, add + process',
          rate: bull.rate,
          latency: bull.latency,
          errors: bull.errors,
          note: 'latency = add → processed',
        },
        bull,
      );
    }
    const ceilingOf = (name: string, o: Outcome | undefined) => (o ? { name, rate: o.rate } : undefined);

    // ---- The driver under saturation ---------------------------------------------------------------
    if (only.has('driver')) {
      const shape = { connections: 4, callers: 64, rounds: 5, perRound: quick ? 19_200 : 192_000 };
      const rounds = await driverSaturatedRounds(database.url, shape);
      const [first, last] = [rounds[0]!, rounds.at(-1)!];
      log(`driver rounds: ${rounds.map((r) => formatRate(r.rate)).join(' → ')} queries/s`);
      const name = `driver: postgres.js pool saturated (${shape.connections} conn., ${shape.callers} callers), select 1`;
      const errors = rounds.reduce((n, r) => n + r.errors, 0);
      if (errors > 0) results.failed.push(`driver: ${errors} queries failed`);
      record({ name: `${name}, round 1`, rate: first.rate, latency: first.latency, errors: first.errors });
      record({
        name: `${name}, round ${rounds.length}`,
        rate: last.rate,
        latency: last.latency,
        errors: last.errors,
        ceiling: ceilingOf('round 1', first),
        note: `after ${formatRate(shape.perRound * (rounds.length - 1))} queries; 3.4.9 as released fell to ~12%`,
      });
    }

    // ---- The service ---------------------------------------------------------------------------------
    const needsApi = [...only].some((s) => s !== 'ceilings' && s !== 'driver');
    if (!needsApi) return results;
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const profileDir = path.join(workDir, 'profiles');
    const nodeArgs = (name: string) =>
      args.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, name)}`] : [];
    // The heap caps the README deploys the processes with (Running on PostgreSQL and Redis).
    const apiHeap = ['--max-old-space-size=256'];
    const workerHeap = ['--max-old-space-size=128'];
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      DEMO: '0',
      LOG_LEVEL: logLevel,
      DB_POOL_SIZE: String(poolSize),
      // The bench measures what the service can serve; the per-key limit (5,000/s by default) would
      // answer 429 to a single-key flood and measure the limiter instead.
      RATE_LIMIT_KEY_PER_S: '0',
      BULLMQ_PREFIX: `cc-bench-${stamp}`,
      ...secrets,
    };
    // The service runs as deployed: compiled (README, Running on PostgreSQL and Redis).
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { stdio: 'inherit' });
    const api = startChild(
      'api',
      'dist/src/main.js',
      { ...env, ROLE: 'api' },
      path.join(workDir, 'api.log'),
      [...apiHeap, ...nodeArgs('api')],
    );
    const worker = startChild('worker', 'dist/workers/all.js', env, path.join(workDir, 'worker.log'), [
      ...workerHeap,
      ...nodeArgs('worker'),
    ]);
    children.push(api, worker);
    await waitReady(api, `${base}/readyz`);
    log(
      `api pid ${api.pid} and worker pid ${worker.pid} ready on ${base} (LOG_LEVEL=${logLevel}, DB_POOL_SIZE=${poolSize})`,
    );
    const rssIdle = { api: rssOf(api.pid), worker: rssOf(worker.pid) };

    const http = apiClient(base, adminKey);
    const commune = await seedCommune(http, { stalls: quick ? 40 : 200, schoolKeys: 4 });
    const seededIds = await seedRequests(http, commune, quick ? 300 : 2000);
    log(
      `seeded commune ${commune.commune}: ${commune.stalls.length} stalls, a school with ${seededIds.length} requests`,
    );
    const schoolAuth = commune.schoolKeys.map((k) => ({ authorization: `Bearer ${k}` }));

    // ---- Issue: POST /v1/payment-requests ---------------------------------------------------------------
    if (only.has('issue')) {
      let n = 0;
      const categories = ['school_fee', 'electricity', 'water', 'environment_fee', 'public_service_fee'];
      const staffAuth = { authorization: `Bearer ${commune.staffKey}` };
      const payeeIds = [commune.school.id, ...commune.stalls.map((s) => s.id)];
      // Two shapes: one school's four cashiers at once (every insert references the same payee row), and
      // the commune's staff issuing for all its payees (the load spread as many payees make it).
      const shapes = [
        { name: 'one payee, 4 cashier keys', auths: schoolAuth, payees: [commune.school.id] },
        { name: `${payeeIds.length} payees, staff key`, auths: [staffAuth], payees: payeeIds },
      ];
      for (const shape of shapes) {
        const requests: CannonRequest[] = shape.auths.map((auth) => ({
          method: 'POST',
          path: '/v1/payment-requests',
          setupRequest: (req) => {
            const i = n++;
            return {
              ...req,
              headers: { ...auth, 'content-type': 'application/json' },
              body: JSON.stringify({
                payeeId: shape.payees[i % shape.payees.length],
                amount: 100_000 + (i % 100) * 5_000,
                category: categories[i % categories.length],
                purpose: 'Hoc phi thang 9',
                payerRef: `HS${i}`,
                payerGroup: `${6 + (i % 4)}A`,
                externalId: `bench-${stamp}-${i}`,
              }),
            };
          },
        }));
        await closedLoop({ url: base, connections, durationS: warmS, requests });
        const meter = await costMeter({ api, worker });
        const issue = await timed(`issue (${shape.name})`, () =>
          closedLoop({ url: base, connections, durationS, requests }),
        );
        const issueCost = await meter(issue.requests);
        log(`issue (${shape.name}): ${describe(issue)}`);
        record(
          {
            name: `issue: POST /v1/payment-requests (${shape.name})`,
            rate: issue.rate,
            latency: issue.latency,
            errors: issue.errors,
            ceiling: ceilingOf('PG commits', pgCommit),
            ...issueCost,
            note: 'payee reads and INSERTs shared by concurrent requests; goal ≥ 15,000/s',
          },
          issue,
        );
      }
    }

    // ---- QR: cached PNGs ---------------------------------------------------------------------------------
    if (only.has('qr')) {
      const ids = seededIds.slice(0, 300);
      // Warm the image cache: the scenario measures cached images, as a market or school serves them.
      for (const id of ids)
        await fetch(`${base}/v1/payment-requests/${id}/qr.png`, { headers: schoolAuth[0] }).then((r) =>
          r.arrayBuffer(),
        );
      const pngRequests: CannonRequest[] = ids.map((id, i) => ({
        path: `/v1/payment-requests/${id}/qr.png`,
        headers: schoolAuth[i % schoolAuth.length],
      }));
      await closedLoop({ url: base, connections, durationS: warmS, requests: pngRequests });
      const pngMeter = await costMeter({ api });
      const png = await timed('qr png', () =>
        closedLoop({ url: base, connections, durationS, requests: pngRequests }),
      );
      const pngCost = await pngMeter(png.requests);
      log(`request PNG: ${describe(png)}`);
      record(
        {
          name: 'qr: GET /v1/payment-requests/{id}/qr.png (cached)',
          rate: png.rate,
          latency: png.latency,
          errors: png.errors,
          ceiling: ceilingOf('hello-world', hello),
          ...pngCost,
          note: '300 requests, cache warm; goal ≥ 5,000/s',
        },
        png,
      );

      const stalls = commune.stalls.slice(0, 50);
      const staffAuth = { authorization: `Bearer ${commune.staffKey}` };
      for (const s of stalls)
        await fetch(`${base}/v1/payees/${s.id}/qr.png`, { headers: staffAuth }).then((r) => r.arrayBuffer());
      const stallRequests = stalls.map((s) => ({ path: `/v1/payees/${s.id}/qr.png`, headers: staffAuth }));
      await closedLoop({ url: base, connections, durationS: warmS, requests: stallRequests });
      const stallMeter = await costMeter({ api });
      const stall = await timed('stall png', () =>
        closedLoop({ url: base, connections, durationS, requests: stallRequests }),
      );
      const stallCost = await stallMeter(stall.requests);
      log(`stall PNG: ${describe(stall)}`);
      record(
        {
          name: 'qr: GET /v1/payees/{id}/qr.png (stall card, cached)',
          rate: stall.rate,
          latency: stall.latency,
          errors: stall.errors,
          ceiling: ceilingOf('hello-world', hello),
          ...stallCost,
        },
        stall,
      );
    }

    // ---- Metrics over 10M transactions' worth of rollups (before the callbacks, whose backlog would load it) ---------------------------------------------------
    if (only.has('metrics')) {
      log(`writing ${metricsTransactions.toLocaleString('en-US')} transactions' worth of rollup rows…`);
      const shape = quick
        ? { transactions: metricsTransactions, communes: 2, days: 30 }
        : { transactions: metricsTransactions, communes: 10, days: 365 };
      const m = await generateMetricsData(database.url, shape, commune.tag);
      log(
        `rollups: ${m.facts.toLocaleString('en-US')} facts as ${m.rows.payment.toLocaleString('en-US')} payment, ` +
          `${m.rows.payer.toLocaleString('en-US')} payer, ${m.rows.payee.toLocaleString('en-US')} payee rows in ${m.seconds.toFixed(0)} s`,
      );
      results.notes.push(
        `metrics data: ${m.facts.toLocaleString('en-US')} payments' worth of rollups written directly with generate_series ` +
          `(${shape.communes} communes × 10 hamlets, ${shape.days} days; ${m.rows.payment.toLocaleString('en-US')} payment_rollups, ` +
          `${m.rows.paymentMonth.toLocaleString('en-US')} payment_month_rollups, ` +
          `${m.rows.payer.toLocaleString('en-US')} payer_rollups, ${m.rows.payerMonth.toLocaleString('en-US')} payer_month_rollups, ` +
          `${m.rows.payerScope.toLocaleString('en-US')} payer_scope_rollups, ${m.rows.payerTally.toLocaleString('en-US')} payer_tallies, ` +
          `${m.rows.stallPeriod.toLocaleString('en-US')} stall_period_rollups, ${m.rows.stallTally.toLocaleString('en-US')} stall_tallies, ` +
          `${m.rows.payee.toLocaleString('en-US')} payee_rollups rows), not by real payments`,
      );
      const admin = apiClient(base, adminKey);
      const provinceKey = (
        await admin('POST', '/v1/api-keys', { role: 'staff', unitCode: m.province, label: 'bench province' })
      ).body.key as string;
      const communeKey = (
        await admin('POST', '/v1/api-keys', {
          role: 'staff',
          unitCode: m.communes[0],
          label: 'bench commune',
        })
      ).body.key as string;
      const year = new Date().toISOString().slice(0, 4);
      const queries: { name: string; key: string; path: string }[] = [
        {
          name: 'commune, this month (dashboard default)',
          key: communeKey,
          path: `/v1/metrics/cashless?unit=${m.communes[0]}`,
        },
        {
          name: 'commune, this month by category',
          key: communeKey,
          path: `/v1/metrics/cashless?unit=${m.communes[0]}&groupBy=category`,
        },
        {
          name: 'commune, this year by month',
          key: communeKey,
          path: `/v1/metrics/cashless?unit=${m.communes[0]}&from=${year}-01-01&to=${year}-12-31&groupBy=month`,
        },
        {
          name: 'province, this month by commune',
          key: provinceKey,
          path: `/v1/metrics/cashless?unit=${m.province}&groupBy=unit`,
        },
      ];
      for (const q of queries) {
        const auth = { authorization: `Bearer ${q.key}` };
        const first = await fetch(`${base}${q.path}`, { headers: auth });
        if (first.status !== 200)
          throw new Error(`metrics ${q.path} → ${first.status} ${await first.text()}`);
        await first.arrayBuffer();
        const meter = await costMeter({ api });
        const o = await timed(`metrics ${q.name}`, () =>
          closedLoop({
            url: base,
            connections: METRICS_CONNECTIONS,
            durationS,
            requests: [{ path: q.path, headers: auth }],
          }),
        );
        const oCost = await meter(o.requests);
        log(`metrics ${q.name}: ${describe(o)}`);
        record(
          {
            name: `metrics: ${q.name}`,
            rate: o.rate,
            latency: o.latency,
            errors: o.errors,
            ceiling: ceilingOf('hello-world', hello),
            ...oCost,
            note: `${METRICS_CONNECTIONS} connections (dashboards refreshing at once); goal p95 < 50 ms`,
          },
          o,
        );
      }
    }
    // ---- Callbacks -----------------------------------------------------------------------------------------
    const pg = postgres(database.url, { max: 2, onnotice: () => {} });
    const progress = async () => {
      const [row] = await pg<{ events: string; done: string; backlog: string }[]>`
        select (select count(*) from callback_events) as events,
               (select count(*) from transaction_sources s join transactions t on t.id = s.transaction_id
                 where s.callback_event_id is not null and t.status <> 'pending') as done,
               (select count(*) from outbox) as backlog`;
      return { events: Number(row!.events), done: Number(row!.done), backlog: Number(row!.backlog) };
    };
    const waitDrained = async (limitS: number) => {
      const started = performance.now();
      let p = await progress();
      while (p.done < p.events && performance.now() - started < limitS * 1000) {
        await new Promise((r) => setTimeout(r, 250));
        p = await progress();
      }
      return { ...p, seconds: (performance.now() - started) / 1000 };
    };
    let world: Parameters<typeof callbackFor>[1] | undefined;
    const callbackWorld = async (idBase: number) => {
      if (!world) {
        const requests = await pg<{ reference: string; amount: string; account_number: string }[]>`
          select pr.reference, pr.amount, p.account_number from payment_requests pr join payees p on p.id = pr.payee_id
          where pr.status = 'open' and p.id = ${commune.school.id} limit 50000`;
        world = {
          idBase,
          requests: requests.map((r) => ({
            reference: r.reference,
            amount: Number(r.amount),
            accountNumber: r.account_number,
          })),
          stalls: commune.stalls.map((s) => s.accountNumber),
        };
        log(`callbacks pay ${world.requests.length} requests and ${world.stalls.length} stalls`);
      }
      return { ...world, idBase };
    };
    /** A source of callbacks: 90% new ones cycling through the formats, 10% repeats of recent ones. */
    const callbackSource = (w: NonNullable<typeof world>) => {
      let i = 0;
      const recent: ReturnType<typeof buildCallback>[] = [];
      return () => {
        if (recent.length > 0 && Math.random() < 0.1)
          return recent[Math.floor(Math.random() * recent.length)]!;
        const { format, credit } = callbackFor(i, w);
        const cb = buildCallback(format, credit, secrets, hmacHex, Date.now());
        i++;
        recent.push(cb);
        if (recent.length > 500) recent.shift();
        return cb;
      };
    };
    const callbackRequests = (next: ReturnType<typeof callbackSource>): CannonRequest[] => [
      { method: 'POST', path: '/', setupRequest: (req) => ({ ...req, method: 'POST', ...next() }) },
    ];
    /** A few seconds of callbacks, matched before the measured load starts. */
    const warmCallbacks = async (next: ReturnType<typeof callbackSource>) => {
      await closedLoop({ url: base, connections: 8, durationS: warmS, requests: callbackRequests(next) });
      await waitDrained(quick ? 120 : 300);
    };
    const memory = new Map<string, number>();
    const keepMax = (m: Map<string, number>) => {
      for (const [k, v] of m) memory.set(k, Math.max(v, memory.get(k) ?? 0));
    };

    if (only.has('callbacks')) {
      const w = await callbackWorld(stamp * 10);
      const next = callbackSource(w);
      await warmCallbacks(next);
      await databaseIdle();
      const before = await progress();
      const rss = sampleRss([api, worker]);
      const meter = await costMeter({ api, worker });
      const started = performance.now();
      const flood = await timed('callbacks', () =>
        closedLoop({
          url: base,
          connections,
          durationS,
          requests: callbackRequests(next),
        }),
      );
      const ackedAt = performance.now();
      const ackCost = await meter(flood.requests);
      log(`callbacks acknowledged: ${describe(flood)}`);
      const drained = await timed('callbacks drain', () => waitDrained(quick ? 120 : 900));
      keepMax(rss.stop());
      const events = drained.events - before.events;
      const done = drained.done - before.done;
      const e2eCost = await meter(done);
      const e2eSeconds = (ackedAt - started) / 1000 + drained.seconds;
      log(
        `callbacks end to end: ${events} events stored, ${done} matched (a transaction with its outcome) ` +
          `${drained.done < drained.events ? `— NOT drained, ${drained.events - drained.done} left` : ''}` +
          `in ${e2eSeconds.toFixed(1)} s (drain ${drained.seconds.toFixed(1)} s after the load)`,
      );
      record(
        {
          name: 'callbacks: POST /v1/callbacks/* acknowledged',
          rate: flood.rate,
          latency: flood.latency,
          errors: flood.errors,
          ceiling: ceilingOf('PG commits', pgCommit),
          // The worker's CPU belongs to the end-to-end row, not to answering the provider.
          cpu: { api: ackCost.cpu.api, postgres: ackCost.cpu.postgres },
          walBytes: ackCost.walBytes,
          note: `4 providers (5 signing recipes), ~10% repeats; ${flood.requests} requests`,
        },
        flood,
      );
      record({
        name: 'callbacks end to end: HTTP → stored → matched',
        rate: done / e2eSeconds,
        ceiling: ceilingOf('PG commits', pgCommit),
        ...e2eCost,
        note: `${done}/${events} events matched in ${e2eSeconds.toFixed(1)} s, drain ${drained.seconds.toFixed(1)} s after load; goal ≥ 5,000/s`,
      });
      if (drained.done < drained.events)
        // Reported, not failed: a slow drain is a time, and the bench never fails on a time.
        results.notes.push(
          `callbacks: ${drained.events - drained.done} of ${drained.events} events were not matched yet when the bench stopped waiting`,
        );
      const statuses = await pg<
        { status: string; n: string }[]
      >`select status, count(*) as n from transactions group by 1 order by 2 desc`;
      results.notes.push(
        `transactions by status after the callback load: ${statuses.map((s) => `${s.status} ${s.n}`).join(', ')}`,
      );
    }

    if (only.has('ack')) {
      const w = await callbackWorld(stamp * 10 + 5_000_000_000);
      const next = callbackSource(w);
      if (!only.has('callbacks')) await warmCallbacks(next);
      const rss = sampleRss([api, worker]);
      const meter = await costMeter({ api });
      const ack = await timed('ack', () =>
        paced({
          url: base,
          ratePerS: ackRate,
          durationS,
          next: () => {
            const cb = next();
            return { method: 'POST', path: cb.path, headers: cb.headers, body: cb.body };
          },
        }),
      );
      const ackCost = await meter(ack.requests);
      log(`callbacks at ${ackRate}/s: ${describe(ack)}`);
      const drained = await waitDrained(quick ? 120 : 300);
      keepMax(rss.stop());
      record(
        {
          name: `callbacks at a fixed ${ackRate.toLocaleString('en-US')}/s: acknowledgement`,
          rate: ack.rate,
          latency: ack.latency,
          errors: ack.errors,
          ...ackCost,
          note:
            `latency from when each was due (open loop); goal p99 ≤ 25 ms; ` +
            `${ack.statuses.shed ? `${ack.statuses.shed} not sent (over 2,000 in flight); ` : ''}` +
            `${drained.done < drained.events ? `${drained.events - drained.done} not matched after ${drained.seconds.toFixed(0)} s` : `drained ${drained.seconds.toFixed(1)} s after`}`,
        },
        ack,
      );
    }
    if (memory.size > 0) {
      results.notes.push(
        `max RSS under callback load: API ${formatMb(memory.get('api'))} (idle ${formatMb(rssIdle.api)}; goal < 300 MB), ` +
          `worker ${formatMb(memory.get('worker'))} (idle ${formatMb(rssIdle.worker)}; goal < 200 MB)`,
      );
    }

    await pg.end();
    return results;
  } finally {
    await watcher.end({ timeout: 1 });
    for (const c of children.reverse()) await stopChild(c);
    if (args.profile) printProfiles(path.join(workDir, 'profiles'));
    const apiLog = path.join(workDir, 'api.log');
    try {
      results.notes.push(
        `API log: ${(statSync(apiLog).size / 1024 / 1024).toFixed(0)} MB at LOG_LEVEL=${logLevel} (${apiLog})`,
      );
    } catch {}
    await database.drop().catch((err) => console.error(`could not drop the database: ${err}`));
    await redis.clean().catch((err) => console.error(`could not clean Redis: ${err}`));
    printReport(results, loadBefore);
  }
}

function printProfiles(dir: string) {
  for (const name of ['api', 'worker']) {
    try {
      const folder = path.join(dir, name);
      // The main thread's profile (the first one); the other is tsx's module-loader thread.
      const main = readdirSync(folder).find((x) => /\.\d+\.0\.\d+\.cpuprofile$/.test(x));
      if (!main) continue;
      const file = path.join(folder, main);
      const profile = JSON.parse(readFileSync(file, 'utf8'));
      for (const w of windows) {
        console.log(`\n${formatHot(`${name} CPU profile during "${w.name}" (${file})`, profile, 30, w)}`);
      }
    } catch {
      console.log(`(no ${name} profile)`);
    }
  }
  for (const w of windows) {
    if (w.statements) console.log(`\n${formatStatements(`Postgres during "${w.name}"`, w.statements)}`);
  }
}

function machine(loadBefore: number[]): string {
  const cpus = os.cpus();
  let pgVersion = '';
  try {
    pgVersion = execFileSync('psql', ['--version'], { encoding: 'utf8' }).trim();
  } catch {}
  return [
    `machine: ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}${pgVersion ? `, ${pgVersion}` : ''}`,
    `load average (1/5/15 min): before ${loadBefore.map((l) => l.toFixed(1)).join('/')}, after ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join('/')} — API, worker, Postgres, Redis and this load generator all on these cores`,
  ].join('\n');
}

let report: Results | undefined;
function printReport(results: Results, loadBefore: number[]) {
  report = results;
  console.log(`\ncommand: npm run bench -- ${process.argv.slice(2).join(' ')}`.trimEnd());
  console.log(`${machine(loadBefore)}\n`);
  console.log(formatTable(results.rows));
  for (const n of results.notes) console.log(`- ${n}`);
  if (results.failed.length > 0) {
    console.log('\nFAILED REQUESTS:');
    for (const f of results.failed) console.log(`- ${f}`);
  }
  if (args.json)
    writeFileSync(
      args.json,
      JSON.stringify({ at: new Date().toISOString(), args: process.argv.slice(2), ...results }, null, 2),
    );
}

main().then(
  () => process.exit(report && report.failed.length > 0 ? 1 : 0),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
