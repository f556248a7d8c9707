/**
 * Real processes for the fault tests: a Postgres database of their own (on the shared server), a Redis
 * server of their own that the test stops and starts, API processes (`npm start`, ROLE=api) and workers
 * (`npm run worker`), each on its own port. And a provider: it signs callbacks, delivers them to the
 * APIs (duplicates, concurrently, out of order), and retries whatever was not acknowledged with a 2xx,
 * as SePay, payOS and Casso do.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { hmacHex } from '../../src/callbacks/signing.js';
import { type Database, queryRows } from '../../src/db/client.js';
import { checkInvariants } from '../../src/invariants/check.js';
import { formatReport } from '../../src/invariants/report.js';
import { adminKeyIn, processDatabase } from '../support/reliability-databases.js';
import {
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
  const db = await processDatabase('postgres');
  const redis = privateRedis();
  await redis.start();
  const adminKey = await adminKeyIn(db.open);
  const env: Record<string, string> = {
    ...db.env,
    ...secrets,
    REDIS_URL: redis.url,
    BULLMQ_PREFIX: `cc-faults-${randomBytes(3).toString('hex')}`,
    LOG_LEVEL: 'warn',
    DEMO: '0',
    DB_POOL_SIZE: '5',
  };
  const apis: (ServiceProcess & { url: string })[] = [];
  const workers: ServiceProcess[] = [];
  const database: Database = await db.open();
  const cluster = {
    env,
    db: database,
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
      await redis.stop();
      await db.drop();
    },
    /** Everything the processes printed (for a failing test's message). */
    output: () => [...apis, ...workers].map((p) => `--- ${p?.name}\n${p?.output().slice(-4000)}`).join('\n'),
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
/**
 * `n` distinct credits: market sales to the stalls, fees paid (some in two parts, some twice), and
 * transfers to accounts nobody registered. Each is signed when it is sent (the generic signature has a
 * 300 s window), so a retry minutes later is still accepted, as a provider's would be.
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
    const bookedAt = new Date(Date.now() - (n - i) * 1000).toISOString();
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
    } catch {
      stats.refused.network = (stats.refused.network ?? 0) + 1;
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
export async function verify(c: Cluster, sent: Credit[], delivery: DeliveryStats & { acked: Set<string> }) {
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
  // The transactions these callbacks made: how many were decided, and none allocated twice.
  const [alloc] = await queryRows<{ transactions: number; decided: number; overAllocated: number }>(
    c.db.db,
    sql`with mine as (
          select distinct s.transaction_id as id from transaction_sources s
          join callback_events e on e.id = s.callback_event_id
          where e.provider || ':' || e.provider_event_id in (${sql.join(
            ids.map((i) => sql`${i}`),
            sql`, `,
          )})
        )
        select count(*)::int8 as transactions,
               count(*) filter (where t.status in ('matched', 'partial', 'overpaid', 'duplicate'))::int8 as decided,
               count(*) filter (where (select count(*) from allocations a
                                       where a.transaction_id = t.id and a.reversed_at is null) > 1)::int8 as "overAllocated"
        from transactions t join mine on mine.id = t.id`,
  );
  const report = await checkInvariants(c.db.db, { outboxMaxAgeS: 0, eventMaxAgeS: 0 });
  const summary = {
    credits: sent.length,
    deliveries: delivery.deliveries,
    retries: delivery.retries,
    refused: delivery.refused,
    acknowledged: delivery.acked.size,
    stored: rows.length,
    lost: lost.length,
    doubled: doubled.length,
    transactions: Number(alloc!.transactions),
    allocatedOnce: Number(alloc!.decided),
    invariants: report.ok ? 'ok' : `${report.violations} violations`,
  };
  expect(lost, `acknowledged but not stored\n${JSON.stringify(summary)}`).toEqual([]);
  expect(doubled, `stored or sourced more than once\n${JSON.stringify(summary)}`).toEqual([]);
  expect(delivery.acked.size, `not acknowledged before the deadline\n${JSON.stringify(summary)}`).toBe(
    sent.length,
  );
  expect(rows.length).toBe(sent.length);
  expect(Number(alloc!.overAllocated)).toBe(0);
  expect(report.ok, formatReport(report)).toBe(true);
  return summary;
}

/** Active jobs right now in the workers' queues (read from Redis). */
export async function activeJobs(c: Cluster): Promise<number> {
  const { Queue } = await import('bullmq');
  const { Redis } = await import('ioredis');
  const connection = new Redis(c.redis.url, { maxRetriesPerRequest: 1 });
  try {
    const q = new Queue('transactions.ingest-events', { connection, prefix: c.env.BULLMQ_PREFIX });
    const n = (await q.getJobCounts('active')).active ?? 0;
    await q.close();
    return n;
  } finally {
    connection.disconnect();
  }
}

export function log(name: string, summary: object) {
  console.log(`[faults] ${name}: ${JSON.stringify(summary)}`);
}
