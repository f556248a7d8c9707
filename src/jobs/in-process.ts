import type { Logger } from 'pino';
import type { AppDeps } from '../deps.js';
import type { AnyJob, EnqueueOptions, JobCounts, JobDefinition, JobQueue } from './types.js';

type Pending = { job: string; payload: unknown; jobId?: string; attempt: number };

/**
 * Runs job handlers inside this process when no Redis is configured (the embedded default).
 * Same handlers, same retries and job-id dedupe as BullMQ; nothing survives a restart, which is why
 * anything that must not be lost (callbacks) is written to the database's outbox first.
 */
export function createInProcessQueue(logger: Logger): JobQueue {
  const handlers = new Map<string, AnyJob>();
  const queues = new Map<string, Pending[]>();
  const active = new Map<string, number>();
  const known = new Set<string>(); // job ids waiting, delayed or running
  const timers = new Set<NodeJS.Timeout>();
  const failed = new Map<string, number>();
  let delayed = 0;
  let deps: AppDeps | undefined;
  let closing = false;
  let idleWaiters: (() => void)[] = [];

  const busy = () =>
    delayed > 0 || [...queues.values()].some((q) => q.length > 0) || [...active.values()].some((n) => n > 0);

  const notifyIdle = () => {
    if (busy()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    t.unref();
    timers.add(t);
  };

  const pump = (name: string) => {
    const job = handlers.get(name);
    const queue = queues.get(name);
    if (!job || !queue || !deps || closing) return;
    const limit = job.concurrency ?? 1;
    while ((active.get(name) ?? 0) < limit && queue.length > 0) {
      const item = queue.shift()!;
      active.set(name, (active.get(name) ?? 0) + 1);
      void run(job, item, deps).finally(() => {
        active.set(name, (active.get(name) ?? 1) - 1);
        pump(name);
        notifyIdle();
      });
    }
  };

  const run = async (job: AnyJob, item: Pending, d: AppDeps) => {
    try {
      await job.handle(job.payload.parse(item.payload), d);
      if (item.jobId) known.delete(item.jobId);
    } catch (err) {
      const attempts = job.attempts ?? 5;
      if (item.attempt + 1 < attempts && !closing) {
        logger.warn(
          { err, job: job.name, jobId: item.jobId, attempt: item.attempt + 1 },
          'job failed, will retry',
        );
        delayed++;
        later(200 * 2 ** item.attempt, () => {
          delayed--;
          push({ ...item, attempt: item.attempt + 1 });
        });
      } else {
        logger.error({ err, job: job.name, jobId: item.jobId }, 'job failed for good');
        failed.set(job.name, (failed.get(job.name) ?? 0) + 1);
        if (item.jobId) known.delete(item.jobId);
      }
    }
  };

  const push = (item: Pending) => {
    let q = queues.get(item.job);
    if (!q) {
      q = [];
      queues.set(item.job, q);
    }
    q.push(item);
    pump(item.job);
  };

  const enqueueOne = (name: string, payload: unknown, options?: EnqueueOptions) => {
    if (closing) throw new Error('job queue is closing');
    if (options?.jobId) {
      if (known.has(options.jobId)) return;
      known.add(options.jobId);
    }
    const item: Pending = { job: name, payload, jobId: options?.jobId, attempt: 0 };
    if (options?.delayMs) {
      delayed++;
      later(options.delayMs, () => {
        delayed--;
        push(item);
      });
    } else push(item);
  };

  return {
    kind: 'in-process',
    async enqueue<P>(job: JobDefinition<P>, payload: P, options?: EnqueueOptions) {
      enqueueOne(job.name, payload, options);
    },
    async enqueueMany<P>(job: JobDefinition<P>, items: { payload: P; options?: EnqueueOptions }[]) {
      for (const i of items) enqueueOne(job.name, i.payload, i.options);
    },
    async every<P>(job: JobDefinition<P>, everyMs: number, payload: P) {
      const t = setInterval(() => {
        if (!closing) enqueueOne(job.name, payload, { jobId: `every:${job.name}` });
      }, everyMs);
      t.unref();
      timers.add(t);
    },
    async work(jobs: AnyJob[], appDeps: AppDeps) {
      deps = appDeps;
      for (const j of jobs) handlers.set(j.name, j);
      for (const j of jobs) pump(j.name);
    },
    drained(timeoutMs = 30_000) {
      if (!busy()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('jobs did not drain in time')), timeoutMs);
        idleWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    },
    async counts(extra: readonly string[] = []) {
      const out: Record<string, JobCounts> = {};
      for (const name of new Set([...handlers.keys(), ...queues.keys(), ...extra])) {
        out[name] = {
          waiting: queues.get(name)?.length ?? 0,
          active: active.get(name) ?? 0,
          delayed: 0,
          failed: failed.get(name) ?? 0,
        };
      }
      return out;
    },
    async ping() {},
    async close() {
      closing = true;
      for (const t of timers) {
        clearTimeout(t);
        clearInterval(t);
      }
      timers.clear();
      delayed = 0;
      if ([...active.values()].some((n) => n > 0)) {
        await new Promise<void>((resolve) => {
          for (const q of queues.values()) q.length = 0;
          idleWaiters.push(resolve);
          notifyIdle();
        });
      }
    },
  };
}
