import type { Config } from '../config.js';
import type { AppDeps } from '../deps.js';
import { PRUNE_EVENTS_EVERY_MS, prunePayeeEventsJob } from '../events/jobs.js';
import { pruneIdempotencyKeysJob } from '../idempotency/jobs.js';
import { RELAY_EVERY_MS, relayJob } from '../outbox/relay.js';
import { EXPIRE_EVERY_MS, expirePaymentRequestsJob } from '../payment-requests/jobs.js';
import { SWEEP_EVERY_MS, sweepJob } from '../reconciliation/sweep.js';
import { ingestEventsJob, matchJob } from '../transactions/jobs.js';
import type { AnyJob } from './types.js';

/** Every background job of the service. A feature adds its jobs here. */
export const allJobs: AnyJob[] = [
  relayJob,
  ingestEventsJob,
  matchJob,
  sweepJob,
  expirePaymentRequestsJob,
  pruneIdempotencyKeysJob,
  prunePayeeEventsJob,
];

/** Periodic jobs: [job, every ms, payload]. */
export const schedules: [AnyJob, number, unknown][] = [
  [relayJob, RELAY_EVERY_MS, { v: 1 }],
  [sweepJob, SWEEP_EVERY_MS, { v: 1 }],
  [expirePaymentRequestsJob, EXPIRE_EVERY_MS, { v: 1 }],
  [pruneIdempotencyKeysJob, 3600_000, { v: 1 }],
  [prunePayeeEventsJob, PRUNE_EVENTS_EVERY_MS, { v: 1 }],
];

/**
 * Starts what runs in the background in this process. With BullMQ, `ROLE=api` only enqueues and a
 * separate `npm run worker` process works; in-process jobs always run here.
 */
export async function startBackground(deps: AppDeps, role: Config['ROLE']): Promise<void> {
  const works = deps.jobs.kind === 'in-process' || role !== 'api';
  if (!works) return;
  await deps.jobs.work(allJobs, deps);
  for (const [job, everyMs, payload] of schedules) await deps.jobs.every(job, everyMs, payload);
}
