/**
 * Prometheus metrics (prom-client), in a registry of this app's own (never prom-client's global one, so
 * two apps in one process — tests — do not mix). Counters and the request histogram move as work
 * happens in this process; queue depth, the review queue and the outbox backlog are read from Redis and
 * Postgres when Prometheus scrapes, so every API process reports the same shared state (sum the
 * counters across processes, take max/avg of the shared gauges).
 */
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type Db, queryRows } from '../db/client.js';
import type { JobQueue } from '../jobs/types.js';

/** What a callback request came to: one of these per request, by provider. */
export const callbackOutcomes = [
  'stored',
  'duplicate',
  'invalid_signature',
  'malformed',
  'rate_limited',
  'not_configured',
  'unavailable',
] as const;
export type CallbackOutcome = (typeof callbackOutcomes)[number];

export type AppMetrics = {
  registry: Registry;
  callbacks: Counter<'provider' | 'outcome'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
};

const COLLECT_TIMEOUT_MS = 2_000;

const timeout = <T>(p: Promise<T>) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('timeout')), COLLECT_TIMEOUT_MS).unref(),
    ),
  ]);

export function createMetrics(deps: {
  db: Db;
  jobs: JobQueue;
  logger: Logger;
  jobNames: readonly string[];
}): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cc_' });

  const collectErrors = new Counter({
    name: 'cc_metrics_collect_errors_total',
    help: 'Scrape-time reads that failed or timed out (the gauge is left out of that scrape)',
    labelNames: ['source'],
    registers: [registry],
  });
  /** Runs a scrape-time read; on failure the gauge is emptied (absent beats stale) and the error counted. */
  const collecting = async (source: string, gauge: Gauge<string>, read: () => Promise<void>) => {
    try {
      gauge.reset();
      await timeout(read());
    } catch (err) {
      gauge.reset();
      collectErrors.inc({ source });
      deps.logger.debug({ err: (err as Error).message, source }, 'metrics collect failed');
    }
  };

  const callbacks = new Counter({
    name: 'cc_callbacks_total',
    help: 'Provider callbacks received by this process, by provider and outcome (stored, duplicate, invalid_signature, malformed, rate_limited, not_configured, unavailable)',
    labelNames: ['provider', 'outcome'],
    registers: [registry],
  });

  const httpDuration = new Histogram({
    name: 'cc_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  new Gauge({
    name: 'cc_job_queue_jobs',
    help: 'Background jobs per job and state (waiting, active, delayed, failed = failed for good and kept for inspection), read at scrape',
    labelNames: ['job', 'state'],
    registers: [registry],
    async collect() {
      await collecting('queue', this, async () => {
        const counts = await deps.jobs.counts(deps.jobNames);
        for (const [job, c] of Object.entries(counts)) {
          for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) {
            this.set({ job, state }, c[state]);
          }
        }
      });
    },
  });

  new Gauge({
    name: 'cc_transactions_awaiting',
    help: 'Transactions a person or the matcher still has to decide: unmatched (the review queue) and pending (not matched yet), read at scrape',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      await collecting('transactions', this, async () => {
        const rows = await queryRows<{ status: string; n: number }>(
          deps.db,
          sql`select status, count(*)::int8 as n from transactions
              where status in ('unmatched', 'pending') group by status`,
        );
        const by = new Map(rows.map((r) => [r.status, Number(r.n)]));
        for (const status of ['unmatched', 'pending']) this.set({ status }, by.get(status) ?? 0);
      });
    },
  });

  const outbox = async () => {
    const [row] = await queryRows<{ n: number; age: number | null }>(
      deps.db,
      sql`select count(*)::int8 as n, extract(epoch from now() - min(created_at))::float8 as age from outbox`,
    );
    return { rows: Number(row?.n ?? 0), age: Math.max(0, Number(row?.age ?? 0)) };
  };
  new Gauge({
    name: 'cc_outbox_rows',
    help: 'Callback events stored but not yet handed to the queue (the outbox backlog), read at scrape',
    registers: [registry],
    async collect() {
      await collecting('outbox', this, async () => this.set((await outbox()).rows));
    },
  });
  new Gauge({
    name: 'cc_outbox_oldest_age_seconds',
    help: 'Age of the oldest outbox row (0 when empty): growing means the relay is not moving',
    registers: [registry],
    async collect() {
      await collecting('outbox', this, async () => this.set((await outbox()).age));
    },
  });

  return { registry, callbacks, httpDuration };
}
