/**
 * QR image serving, measured end to end over HTTP:
 *   npx tsx load-tests/qr-bench.ts [--duration 10] [--connections 50] [--requests 300]
 *   (or: npm run bench:qr -- …)
 *
 * Starts the real app in this process on a free port (embedded in-memory PGlite, or DATABASE_URL /
 * REDIS_URL when set), creates a payee and 300 payment requests, then measures with autocannon, run in
 * a child process so the load generator neither shares the app's event loop nor its CPU accounting:
 *   - a Hono hello-world in this same process: the ceiling of the HTTP stack itself;
 *   - GET /healthz: the app's global middleware (request id, logging, secure headers, body limit), no key;
 *   - GET /v1/payees/{id} (JSON): auth + scope + a payee query, no image;
 *   - GET /v1/payees/{id}/qr.png from the image cache (goal: ≥ 5,000/s), and its 304 path;
 *   - GET /v1/payment-requests/{id}/qr.png across the 300 requests, from the same cache;
 * and, in process, the uncached render rate (renderQrPng in a loop) that the cache saves us from.
 *
 * Besides requests per second it reports the server's CPU time per request (this process's
 * user + system time over the run, divided by the requests answered). On a shared, busy machine the
 * rates swing with everyone else's load; CPU per request does not, and 1,000,000 / (CPU µs) is what one
 * free core could serve.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import type { Options as AutocannonOptions, Result as AutocannonResult } from 'autocannon';
import { Hono } from 'hono';
import pino from 'pino';
import { createApp } from '../src/app.js';
import { createApiKey } from '../src/auth/store.js';
import { loadConfig } from '../src/config.js';
import { runMigrations } from '../src/db/migrate.js';
import { closeDeps, createDeps } from '../src/deps.js';
import { encodeVietQr } from '../src/vietqr/payload.js';
import { renderQrPng } from '../src/vietqr/render.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    requests: { type: 'string', default: '300' },
  },
});
const duration = Number(args.duration);
const connections = Number(args.connections);
const requestCount = Number(args.requests);

type Server = ReturnType<typeof serve>;
const listen = async (fetch: (req: Request) => Response | Promise<Response>): Promise<[Server, string]> => {
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return [server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`];
};

/** autocannon in a child node process; its result comes back as JSON on stdout. */
const RUNNER = `import autocannon from 'autocannon';
const result = await autocannon(JSON.parse(process.argv[1]));
process.stdout.write(JSON.stringify(result));`;

function autocannonChild(options: AutocannonOptions): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', RUNNER, JSON.stringify(options)], {
      cwd: new URL('..', import.meta.url),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as AutocannonResult)
        : reject(new Error(`autocannon exited ${code}`)),
    );
  });
}

type Row = { name: string; rate: number; p99?: number; cpuUs?: number; errors?: number };

async function load(
  name: string,
  url: string,
  requests: { path: string; headers?: Record<string, string> }[],
  headers: Record<string, string>,
  expectStatus: 200 | 304,
): Promise<Row> {
  const cpuBefore = process.cpuUsage();
  const result = await autocannonChild({
    url,
    connections,
    duration,
    headers,
    requests: requests.map((r) => ({ method: 'GET', ...r })),
  });
  const cpu = process.cpuUsage(cpuBefore);
  const expected = expectStatus === 304 ? result['3xx'] : result['2xx'];
  const answered = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  // Timeouts and socket errors are reported in the table; a wrong answer means the run measured nothing.
  if (answered !== expected || expected === 0) {
    throw new Error(
      `${name}: ${answered - expected} answers other than ${expectStatus}: ${JSON.stringify(result.statusCodeStats)}`,
    );
  }
  return {
    name,
    rate: result.requests.average,
    p99: result.latency.p99,
    cpuUs: (cpu.user + cpu.system) / answered,
    errors: result.errors,
  };
}

/** renderQrPng on distinct payloads: what every request would cost without the cache. */
async function renderRate(scale: number, seconds: number): Promise<Row> {
  const payloads = Array.from({ length: 500 }, (_, i) =>
    encodeVietQr({ bin: '970436', account: String(10_000_000 + i) }),
  );
  for (let i = 0; i < 20; i++) await renderQrPng(payloads[i]!, { scale }); // warm-up
  let n = 0;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < seconds * 1000)
    await renderQrPng(payloads[n++ % payloads.length]!, { scale });
  const cpu = process.cpuUsage(cpuBefore);
  return {
    name: `renderQrPng scale ${scale}, uncached (in process)`,
    rate: n / ((performance.now() - start) / 1000),
    cpuUs: (cpu.user + cpu.system) / n,
  };
}

async function main() {
  const env: Record<string, string | undefined> = {
    ...process.env,
    LOG_LEVEL: 'silent',
    DEMO: '0',
    // One key makes every request here; the per-key limit (default 5,000/s) would cap what we measure.
    RATE_LIMIT_KEY_PER_S: '0',
    DATA_DIR: process.env.DATABASE_URL ? process.env.DATA_DIR : 'memory://',
  };
  const config = loadConfig(env);
  const deps = await createDeps(config, {
    logger: pino({ level: 'silent' }),
    queuePrefix: `cc-bench-${randomBytes(4).toString('hex')}`,
  });
  await runMigrations(deps.database, config.DATABASE_URL);
  const [appServer, appUrl] = await listen(createApp(deps).fetch);
  const { key } = await createApiKey(deps.db, { role: 'admin', label: 'qr bench' });
  const auth = { authorization: `Bearer ${key}` };

  const api = async (path: string, body: unknown) => {
    const res = await fetch(appUrl + path, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string };
  };
  const s = randomBytes(3).toString('hex').toUpperCase();
  await api('/v1/units', { code: `BQ${s}`, name: 'Bench province', level: 'province' });
  await api('/v1/units', { code: `BC${s}`, name: 'Bench commune', level: 'commune', parentCode: `BQ${s}` });
  const payee = await api('/v1/payees', {
    kind: 'school',
    name: 'Trường bench',
    unitCode: `BC${s}`,
    bankBin: '970436',
    accountNumber: `1${String(Date.now()).slice(-9)}`,
    accountName: 'TRUONG BENCH',
  });
  const requestIds: string[] = [];
  for (let i = 0; i < requestCount; i++) {
    const r = await api('/v1/payment-requests', {
      payeeId: payee.id,
      amount: 100_000 + i * 1_000,
      category: 'school_fee',
      purpose: `Hoc phi ${i}`,
    });
    requestIds.push(r.id);
  }

  const pngPath = `/v1/payees/${payee.id}/qr.png`;
  const first = await fetch(appUrl + pngPath, { headers: auth });
  const etag = first.headers.get('etag')!;
  if (first.headers.get('content-type') !== 'image/png') throw new Error('qr.png is not a PNG');
  // Fill the cache with the request codes before measuring the cached rate.
  for (const id of requestIds) {
    await (await fetch(`${appUrl}/v1/payment-requests/${id}/qr.png`, { headers: auth })).arrayBuffer();
  }

  const hello = new Hono().get('/', (c) => c.text('hello'));
  const [helloServer, helloUrl] = await listen(hello.fetch);

  console.log(
    `node ${process.version}, ${deps.database.kind} database, ${deps.jobs.kind} jobs, ` +
      `${connections} connections × ${duration} s each, autocannon in a child process; ` +
      `${availableParallelism()} CPUs, load average ${loadavg()[0]!.toFixed(1)} at start\n`,
  );
  const rows: Row[] = [];
  const run = async (row: Promise<Row>) => {
    const r = await row;
    rows.push(r);
    console.log(`  ${r.name}: ${Math.round(r.rate).toLocaleString('en-US')}/s`);
  };
  await run(load('Hono hello world (ceiling)', helloUrl, [{ path: '/' }], {}, 200));
  await run(
    load('GET /healthz (the app’s global middleware, no key)', appUrl, [{ path: '/healthz' }], {}, 200),
  );
  await run(
    load('GET /v1/payees/{id} (JSON, auth + query)', appUrl, [{ path: `/v1/payees/${payee.id}` }], auth, 200),
  );
  await run(load('GET /v1/payees/{id}/qr.png (cached)', appUrl, [{ path: pngPath }], auth, 200));
  await run(
    load(
      'GET …/qr.png with If-None-Match (304)',
      appUrl,
      [{ path: pngPath, headers: { ...auth, 'if-none-match': etag } }],
      auth,
      304,
    ),
  );
  await run(
    load(
      `GET /v1/payment-requests/{id}/qr.png (${requestIds.length} codes, cached)`,
      appUrl,
      requestIds.map((id) => ({ path: `/v1/payment-requests/${id}/qr.png` })),
      auth,
      200,
    ),
  );
  await run(renderRate(8, Math.min(duration, 5)));
  await run(renderRate(4, Math.min(duration, 5)));

  const ceiling = rows[0]!.rate;
  const uncached = rows.find((r) => r.name.startsWith('renderQrPng scale 8'))!;
  const cached = rows.find((r) => r.name === 'GET /v1/payees/{id}/qr.png (cached)')!;
  console.log(
    '\n| measure | per second | p99 ms | errors | vs hello world | vs uncached render (scale 8) | server CPU µs / request | one free core could serve |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${n(r.rate)} | ${r.p99 ?? '–'} | ${r.errors ?? '–'} | ${((r.rate / ceiling) * 100).toFixed(0)} % | ` +
        `×${(r.rate / uncached.rate).toFixed(1)} | ${r.cpuUs ? n(r.cpuUs) : '–'} | ${r.cpuUs ? `${n(1e6 / r.cpuUs)}/s` : '–'} |`,
    );
  }
  const stats = deps.qrImages.stats();
  console.log(
    `\nimage cache: ${stats.entries} images, ${Math.round(stats.bytes / 1024)} KiB, ` +
      `${stats.renders} renders for ${stats.requests.toLocaleString('en-US')} requests`,
  );
  console.log(
    `goal PNG from cache ≥ 5,000/s: ${cached.rate >= 5000 ? 'met' : 'not met'} here (${n(cached.rate)}/s measured, ` +
      `${n(1e6 / cached.cpuUs!)}/s per free core by CPU time)`,
  );

  await new Promise<void>((resolve) => helloServer.close(() => resolve()));
  await new Promise<void>((resolve) => appServer.close(() => resolve()));
  await closeDeps(deps);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
