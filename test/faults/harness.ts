/**
 * Real processes for the fault tests: a PostgreSQL server of their own (initdb in a temporary folder,
 * restarted by the test; the machine's shared server is never touched), a Redis server of their own
 * that the test stops and starts, API processes (`npm start`, ROLE=api) and workers (`npm run worker`),
 * each on its own port. And a provider: it signs callbacks, delivers them to the APIs (duplicates,
 * concurrently, out of order), and retries whatever was not acknowledged with a 2xx, as SePay, payOS
 * and Casso do.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { expect } from 'vitest';
import { hmacHex } from '../../src/callbacks/signing.js';
import { type Database, openDatabase, queryRows } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { checkInvariants } from '../../src/invariants/check.js';
import { formatReport } from '../../src/invariants/report.js';
import { adminKeyIn } from '../support/reliability-databases.js';
import {
  privatePostgres,
  privateRedis,
  type ServiceProcess,
  startApi,
  startWorker,
  until,
} from '../support/reliability-processes.js';

export const secrets = {
  GENERIC_WEBHOOK_SECRET: 'faults-generic-secret-0123456789',
  SEPAY_API_KEY: 'faults-sepay-key-0123',
};

export type Cluster = Awaited<ReturnType<typeof startCluster>>;

export async function startCluster(options: { apis: number; workers: number }) {
  const pg = privatePostgres();
  const redis = privateRedis();
  await Promise.all([pg.start(), redis.start()]);
  const admin = postgres(pg.url(), { max: 1, onnotice: () => {} });
  await admin.unsafe('create database cc_faults');
  await admin.end();
  const url = pg.url('cc_faults');
  const open = () => openDatabase({ url, poolSize: 4 });
  const migrating = await open();
  await runMigrations(migrating, url);
  await migrating.close();
  const adminKey = await adminKeyIn(open);
  const env: Record<string, string> = {
    DATABASE_URL: url,
    ...secrets,
    REDIS_URL: redis.url,
    BULLMQ_PREFIX: `cc-faults-${randomBytes(3).toString('hex')}`,
    LOG_LEVEL: 'warn',
    DEMO: '0',
    DB_POOL_SIZE: '5',
  };
  const apis: (ServiceProcess & { url: string; startedInMs: number })[] = [];
  const workers: ServiceProcess[] = [];
  const database: Database = await open();
  const cluster = {
    env,
    db: database,
    pg,
    redis,
    adminKey,
    apis,
    workers,
    async startApi(i: number) {
      apis[i] = await startApi(env, `api${i + 1}`);
      return apis[i]!;
    },
    startWorker(i: number) {
      workers[i] = startWorker(env, `worker${i + 1}`);
      return workers[i]!;
    },
    async stop() {
      await Promise.all([...apis, ...workers].map((p) => p?.stop()));
      await database.close();
      await redis.destroy();
      await pg.destroy();
    },
    /**
     * Restarts every API (on its own port) and worker that died on its own, as a supervisor would
     * (systemd Restart=always, a Kubernetes restart). Returns those that had died, each with the
     * error it died of.
     */
    async revive(): Promise<string[]> {
      const dead: string[] = [];
      const why = (p: ServiceProcess) =>
        `${p.name}: ${/^\w*Error: .*$/m.exec(p.output())?.[0]?.slice(0, 160) ?? 'no error printed'}`;
      for (const [i, a] of apis.entries()) {
        if (a.alive()) continue;
        dead.push(why(a));
        env.PORT = new URL(a.url).port;
        try {
          await cluster.startApi(i);
        } finally {
          delete env.PORT;
        }
      }
      for (const [i, w] of workers.entries()) {
        if (w.alive()) continue;
        dead.push(why(w));
        cluster.startWorker(i);
      }
      return dead;
    },
    /** Everything the processes printed (for a failing test's message). */
    output: () =>
      [...apis, ...workers].map((p) => `--- ${p?.name}\n${p?.output().slice(-4000)}`).join('\n') +
      `\n--- postgres\n${pg.output()}`,
  };
  await Promise.all([
    ...Array.from({ length: options.apis }, (_, i) => cluster.startApi(i)),
    ...Array.from({ length: options.workers }, (_, i) => Promise.resolve(cluster.startWorker(i))),
  ]);
  return cluster;
}

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, read by tests
async function api(url: string, key: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  expect(res.status, `${method} ${path}: ${JSON.stringify(json)}`).toBeLessThan(300);
  return json;
}

/** A commune with market stalls and a school with open fees, made through the API. */
export async function commune(c: Cluster, stalls = 6, fees = 40) {
  const url = c.apis[0]!.url;
  const s = randomBytes(3).toString('hex').toUpperCase();
  await api(url, c.adminKey, 'POST', '/v1/units', { code: `FP${s}`, name: 'Tỉnh', level: 'province' });
  await api(url, c.adminKey, 'POST', '/v1/units', {
    code: `FC${s}`,
    name: 'Xã',
    level: 'commune',
    parentCode: `FP${s}`,
  });
  const account = (i: number) =>
    `6${s.replace(/\D/g, '').padEnd(3, '1')}${String(Date.now() % 1e6)}${i}`.slice(0, 19);
  const stallList = [];
  for (let i = 0; i < stalls; i++) {
    stallList.push(
      await api(url, c.adminKey, 'POST', '/v1/payees', {
        kind: 'market_vendor',
        name: `Sạp ${i}`,
        unitCode: `FC${s}`,
        bankBin: '970436',
        accountNumber: account(i),
        accountName: 'NGUYEN VAN A',
        stallNo: `A${i}`,
      }),
    );
  }
  const school = await api(url, c.adminKey, 'POST', '/v1/payees', {
    kind: 'school',
    name: 'Trường',
    unitCode: `FC${s}`,
    bankBin: '970436',
    accountNumber: account(99),
    accountName: 'TRUONG',
  });
  const batch = await api(url, c.adminKey, 'POST', '/v1/payment-requests/batch', {
    payeeId: school.id,
    category: 'school_fee',
    items: Array.from({ length: fees }, (_, i) => ({ amount: 100_000 + i * 1_000, payerRef: `HS${i}` })),
  });
  const requests = (batch.results as { id: string; reference: string }[]).map((r, i) => ({
    id: r.id,
    reference: r.reference,
    amount: 100_000 + i * 1_000,
  }));
  return { stalls: stallList as { id: string; accountNumber: string }[], school, requests };
}

export type Credit = {
  provider: 'generic' | 'sepay';
  id: string;
  body: () => { body: string; headers: Record<string, string> };
};

let seq = 0;
/** Seconds between two credits' booked times (a fee's next payment comes 40 credits later). */
const BOOKED_APART_S = 61;
/**
 * `n` distinct credits: market sales to the stalls, fees paid (some in two parts, some twice), and
 * transfers to accounts nobody registered. Each is signed when it is sent (the generic signature has a
 * 300 s window), so a retry minutes later is still accepted, as a provider's would be.
 *
 * Distinct means distinct to the service too: two providers reporting the same account, amount and
 * reference code within 30 minutes are one credit (design: two channels, one transaction), so credits
 * are booked a minute apart and a fee's payments 40 credits (40 minutes) apart. Every credit therefore
 * makes exactly one transaction, which `verify` asserts. Use a fresh `commune` per run.
 */
export function credits(place: Awaited<ReturnType<typeof commune>>, n: number): Credit[] {
  const run = randomBytes(3).toString('hex');
  const out: Credit[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${run}-${++seq}`;
    const kind = i % 10;
    let account: string;
    let amount: number;
    let memo: string;
    if (kind < 5) {
      account = place.stalls[i % place.stalls.length]!.accountNumber;
      amount = 5_000 + (i % 37) * 1_000;
      memo = `mua hang ${id}`;
    } else if (kind < 9) {
      const r = place.requests[i % place.requests.length]!;
      account = place.school.accountNumber;
      amount = kind === 8 ? Math.floor(r.amount / 2) : r.amount;
      memo = `MBVCB.${i}.${r.reference} hoc phi`;
    } else {
      account = `5${run.replace(/\D/g, '1')}${i}`.slice(0, 18);
      amount = 20_000;
      memo = `khong ro ${id}`;
    }
    const bookedAt = new Date(Date.now() - (n - i) * BOOKED_APART_S * 1000).toISOString();
    if (i % 3 === 0) {
      // SePay: its own id and its API-key authentication.
      const numericId = Number.parseInt(randomBytes(5).toString('hex'), 16);
      const vn = new Date(Date.parse(bookedAt) + 7 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
      const body = JSON.stringify({
        id: numericId,
        gateway: 'Vietcombank',
        transactionDate: vn,
        accountNumber: account,
        code: null,
        content: memo,
        transferType: 'in',
        transferAmount: amount,
        accumulated: 0,
        subAccount: null,
        referenceCode: `FT${numericId}`,
        description: memo,
      });
      out.push({
        provider: 'sepay',
        id: String(numericId),
        body: () => ({ body, headers: { authorization: `Apikey ${secrets.SEPAY_API_KEY}` } }),
      });
    } else {
      const body = JSON.stringify({ id, accountNumber: account, amount, description: memo, bookedAt });
      out.push({
        provider: 'generic',
        id,
        body: () => {
          const t = Math.floor(Date.now() / 1000);
          return {
            body,
            headers: {
              'x-signature': `t=${t},v1=${hmacHex('sha256', secrets.GENERIC_WEBHOOK_SECRET, `${t}.${body}`)}`,
            },
          };
        },
      });
    }
  }
  return out;
}

export type DeliveryStats = {
  credits: number;
  /** HTTP requests made, retries and duplicates included. */
  deliveries: number;
  acknowledged: number;
  refused: Record<string, number>;
  retries: number;
};

/**
 * A provider: delivers every credit `copies` times (each copy to a different API when there are
 * several, all copies at once, the credits in shuffled order), keeps retrying each until one delivery is
 * acknowledged, and gives up only at `deadlineMs`. `targets()` is read per attempt, so an API that is
 * killed and restarted is found again.
 */
export async function deliver(
  list: Credit[],
  targets: () => string[],
  options: { copies?: number; concurrency?: number; deadlineMs?: number; pace?: number } = {},
): Promise<DeliveryStats & { acked: Set<string> }> {
  const copies = options.copies ?? 1;
  const deadline = Date.now() + (options.deadlineMs ?? 120_000);
  const stats: DeliveryStats = {
    credits: list.length,
    deliveries: 0,
    acknowledged: 0,
    refused: {},
    retries: 0,
  };
  const acked = new Set<string>();
  const order = [...list].sort(() => Math.random() - 0.5);
  let next = 0;
  const attempt = async (credit: Credit, url: string) => {
    stats.deliveries++;
    try {
      const { body, headers } = credit.body();
      const res = await fetch(`${url}/v1/callbacks/${credit.provider}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(15_000),
      });
      await res.arrayBuffer();
      if (res.ok) return true;
      stats.refused[res.status] = (stats.refused[res.status] ?? 0) + 1;
      return false;
    } catch (err) {
      // No answer in 15 s (an overloaded machine) is told apart from a refused or cut connection.
      const why = (err as Error).name === 'TimeoutError' ? 'timeout' : 'network';
      stats.refused[why] = (stats.refused[why] ?? 0) + 1;
      return false;
    }
  };
  const one = async (credit: Credit) => {
    for (let round = 0; ; round++) {
      const urls = targets();
      const copiesNow = round === 0 ? copies : 1;
      const results = await Promise.all(
        Array.from({ length: copiesNow }, (_, k) => attempt(credit, urls[(k + round) % urls.length]!)),
      );
      if (results.some(Boolean)) {
        acked.add(`${credit.provider}:${credit.id}`);
        stats.acknowledged++;
        return;
      }
      if (Date.now() > deadline) return;
      stats.retries++;
      await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** round)));
    }
  };
  await Promise.all(
    Array.from({ length: options.concurrency ?? 16 }, async () => {
      while (next < order.length) {
        const credit = order[next++]!;
        await one(credit);
        if (options.pace) await new Promise((r) => setTimeout(r, options.pace));
      }
    }),
  );
  return { ...stats, acked };
}

/** Waits until every stored callback is a matched-or-decided transaction and the outbox is empty. */
export async function drained(c: Cluster, timeoutMs = 120_000) {
  await until(
    async () => {
      const [row] = await queryRows<{ open: number; outbox: number; pending: number }>(
        c.db.db,
        sql`select
              (select count(*) from callback_events e
                where not exists (select 1 from transaction_sources s where s.callback_event_id = e.id))::int8 as open,
              (select count(*) from outbox)::int8 as outbox,
              (select count(*) from transactions where status = 'pending')::int8 as pending`,
      );
      return Number(row!.open) === 0 && Number(row!.outbox) === 0 && Number(row!.pending) === 0;
    },
    timeoutMs,
    'all callbacks processed',
  ).catch((err) => {
    throw new Error(`${err.message}\n${c.output()}`);
  });
}

/**
 * The end state after a fault: every acknowledged callback stored exactly once and made exactly one
 * transaction source; every decided transaction allocated once; the invariant checker clean. Returns
 * the counts the report prints.
 */
export async function verify(
  c: Cluster,
  name: string,
  sent: Credit[],
  delivery: DeliveryStats & { acked: Set<string> },
  extra: Record<string, unknown> = {},
) {
  await drained(c);
  const ids = sent.map((s) => `${s.provider}:${s.id}`);
  const rows = await queryRows<{ key: string; events: number; sources: number }>(
    c.db.db,
    sql`select e.provider || ':' || e.provider_event_id as key, count(distinct e.id)::int8 as events,
               count(s.id)::int8 as sources
        from callback_events e left join transaction_sources s on s.callback_event_id = e.id
        where e.provider || ':' || e.provider_event_id in (${sql.join(
          ids.map((i) => sql`${i}`),
          sql`, `,
        )})
        group by 1`,
  );
  const stored = new Map(rows.map((r) => [r.key, r]));
  const lost = [...delivery.acked].filter((k) => !stored.has(k));
  const doubled = rows.filter((r) => Number(r.events) !== 1 || Number(r.sources) !== 1).map((r) => r.key);
  // The transactions these callbacks made: one per credit, each decided one allocated exactly once
  // (automatic allocations only in these runs), the undecided ones not at all.
  const [alloc] = await queryRows<{ transactions: number; decided: number; misallocated: number }>(
    c.db.db,
    sql`with mine as (
          select distinct s.transaction_id as id from transaction_sources s
          join callback_events e on e.id = s.callback_event_id
          where e.provider || ':' || e.provider_event_id in (${sql.join(
            ids.map((i) => sql`${i}`),
            sql`, `,
          )})
        ), t as (
          select t.status in ('matched', 'partial', 'overpaid', 'duplicate') as decided,
                 (select count(*) from allocations a
                   where a.transaction_id = t.id and a.reversed_at is null) as allocations
          from transactions t join mine on mine.id = t.id
        )
        select count(*)::int8 as transactions,
               count(*) filter (where decided)::int8 as decided,
               count(*) filter (where allocations <> case when decided then 1 else 0 end)::int8 as misallocated
        from t`,
  );
  const report = await checkInvariants(c.db.db, { outboxMaxAgeS: 0, eventMaxAgeS: 0 });
  const summary = {
    sent: sent.length,
    deliveries: delivery.deliveries,
    retries: delivery.retries,
    refused: delivery.refused,
    acknowledged: delivery.acked.size,
    stored: rows.length,
    lost: lost.length,
    doubled: doubled.length,
    transactions: Number(alloc!.transactions),
    allocatedOnce: Number(alloc!.decided) - Number(alloc!.misallocated),
    misallocated: Number(alloc!.misallocated),
    invariants: report.ok ? 'ok' : `${report.violations} violations`,
    ...extra,
  };
  // Printed before the assertions, so a failing run reports its numbers too.
  log(name, summary);
  const said = JSON.stringify(summary);
  expect(lost, `acknowledged but not stored\n${said}`).toEqual([]);
  expect(doubled, `stored or sourced more than once\n${said}`).toEqual([]);
  expect(delivery.acked.size, `not acknowledged before the deadline\n${said}`).toBe(sent.length);
  expect(rows.length, said).toBe(sent.length);
  expect(summary.transactions, `one transaction per distinct credit\n${said}`).toBe(sent.length);
  expect(summary.misallocated, `decided but not allocated exactly once\n${said}`).toBe(0);
  expect(report.ok, formatReport(report)).toBe(true);
  return summary;
}

/** Active ingest jobs right now, with the worker process holding each (BullMQ's processedBy). */
export async function activeJobs(c: Cluster): Promise<{ id: string; pid: number }[]> {
  const { Queue } = await import('bullmq');
  const { Redis } = await import('ioredis');
  const connection = new Redis(c.redis.url, { maxRetriesPerRequest: 1 });
  try {
    const q = new Queue('transactions.ingest-events', { connection, prefix: c.env.BULLMQ_PREFIX });
    const jobs = await q.getJobs(['active']);
    await q.close();
    return jobs
      .filter((j) => j?.processedBy)
      .map((j) => ({ id: String(j.id), pid: Number(j.processedBy!.split(':').pop()) }));
  } finally {
    connection.disconnect();
  }
}

/** The report line each run prints: callbacks sent / acknowledged / stored, lost and doubled. */
export function log(
  name: string,
  summary: { sent: number; acknowledged: number; stored: number; lost: number; doubled: number },
) {
  const { sent, acknowledged, stored, lost, doubled, ...rest } = summary;
  console.log(
    `[faults] ${name}: sent=${sent} acknowledged=${acknowledged} stored=${stored} lost=${lost} doubled=${doubled} ${JSON.stringify(rest)}`,
  );
}
