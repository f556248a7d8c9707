import { hostname } from 'node:os';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AppDeps } from '../deps.js';
import type { AnyJob, EnqueueOptions, JobCounts, JobDefinition, JobQueue } from './types.js';

export type BullQueueOptions = {
  url: string;
  /** Key prefix in Redis: one per deployment (and one per test file). */
  prefix?: string;
  logger: Logger;
};

const SCHEDULER_PREFIX = 'repeat:';
const CLOSE_GRACE_MS = 10_000;

/** Whether `work` settled within `ms` (it is left running otherwise). */
async function within(ms: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** BullMQ-backed queue: one BullMQ queue per job name, workers started only where `work` is called. */
export function createBullQueue(options: BullQueueOptions): JobQueue {
  const prefix = options.prefix ?? 'cc';
  // Producers fail fast when Redis is away (callers keep the work in the database outbox);
  // workers wait for it to come back.
  const producer = new Redis(options.url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: false,
  });
  producer.on('error', (err) => options.logger.debug({ err: err.message }, 'redis producer error'));
  const queues = new Map<string, Queue>();
  const workers: Worker[] = [];
  const workerConnections: Redis[] = [];
  const names = new Set<string>();

  const queueFor = (name: string) => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: producer, prefix });
      q.on('error', (err) => options.logger.debug({ err: err.message, queue: name }, 'queue error'));
      queues.set(name, q);
      names.add(name);
    }
    return q;
  };

  const jobOptions = (job: { attempts?: number }, o?: EnqueueOptions) => ({
    jobId: o?.jobId,
    delay: o?.delayMs,
    attempts: job.attempts ?? 5,
    backoff: { type: 'exponential', delay: 500 },
    // Completed jobs go (their effects are in Postgres); failed ones stay for inspection in Bull Board.
    removeOnComplete: true,
    removeOnFail: { age: 14 * 24 * 3600 },
  });

  return {
    kind: 'bullmq',
    async enqueue<P>(job: JobDefinition<P>, payload: P, o?: EnqueueOptions) {
      await queueFor(job.name).add(job.name, payload, jobOptions(job, o));
    },
    async enqueueMany<P>(job: JobDefinition<P>, items: { payload: P; options?: EnqueueOptions }[]) {
      if (items.length === 0) return;
      await queueFor(job.name).addBulk(
        items.map((i) => ({ name: job.name, data: i.payload, opts: jobOptions(job, i.options) })),
      );
    },
    async every<P>(job: JobDefinition<P>, everyMs: number, payload: P) {
      await queueFor(job.name).upsertJobScheduler(
        `every:${job.name}`,
        { every: everyMs },
        { name: job.name, data: payload, opts: { removeOnComplete: true, removeOnFail: { count: 100 } } },
      );
    },
    async work(jobs: AnyJob[], deps: AppDeps) {
      for (const job of jobs) {
        names.add(job.name);
        const connection = new Redis(options.url, { maxRetriesPerRequest: null });
        connection.on('error', (err) => options.logger.debug({ err: err.message }, 'redis worker error'));
        workerConnections.push(connection);
        const worker = new Worker(job.name, async (j) => job.handle(job.payload.parse(j.data), deps), {
          connection,
          prefix,
          concurrency: job.concurrency ?? 1,
          // Stored on each job as processedBy: Bull Board (and the fault tests) see which process has it.
          name: `${hostname()}:${process.pid}`,
        });
        worker.on('failed', (j, err) =>
          options.logger.warn({ err, job: job.name, jobId: j?.id, attempt: j?.attemptsMade }, 'job failed'),
        );
        worker.on('error', (err) =>
          options.logger.debug({ err: err.message, job: job.name }, 'worker error'),
        );
        workers.push(worker);
      }
    },
    async drained(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        let busy = false;
        for (const name of names) {
          const q = queueFor(name);
          const c = await q.getJobCounts('waiting', 'active', 'prioritized', 'waiting-children');
          if ((c.waiting ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0) + (c['waiting-children'] ?? 0) > 0)
            busy = true;
          else {
            // Scheduled repeats are always delayed; only other delayed jobs (retries) count as work.
            const delayed = await q.getDelayed(0, 1000);
            if (delayed.some((j) => !String(j.id).startsWith(SCHEDULER_PREFIX))) busy = true;
          }
          if (busy) break;
        }
        if (!busy) return;
        if (Date.now() > deadline) throw new Error('jobs did not drain in time');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async counts(extra: readonly string[] = []) {
      const out: Record<string, JobCounts> = {};
      for (const name of new Set([...names, ...extra])) {
        const c = await queueFor(name).getJobCounts('waiting', 'active', 'delayed', 'failed');
        out[name] = {
          waiting: c.waiting ?? 0,
          active: c.active ?? 0,
          delayed: c.delayed ?? 0,
          failed: c.failed ?? 0,
        };
      }
      return out;
    },
    async ping() {
      await producer.ping();
    },
    async close() {
      // In-flight jobs get CLOSE_GRACE_MS to finish; a worker whose Redis connection was lost and found
      // again can wait on its blocking read for good, and a shutdown must end. A job cut short is stalled
      // and redone by another worker (handlers are idempotent).
      if (!(await within(CLOSE_GRACE_MS, Promise.all(workers.map((w) => w.close())))))
        await within(CLOSE_GRACE_MS, Promise.all(workers.map((w) => w.close(true))));
      await within(CLOSE_GRACE_MS, Promise.all([...queues.values()].map((q) => q.close())));
      for (const c of [...workerConnections, producer])
        if (
          !(await within(
            1_000,
            c.quit().catch(() => undefined),
          ))
        )
          c.disconnect();
    },
  };
}
