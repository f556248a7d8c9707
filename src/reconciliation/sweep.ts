import { z } from 'zod';
import { findUnprocessedEvents } from '../callbacks/store.js';
import type { AppDeps } from '../deps.js';
import type { JobDefinition } from '../jobs/types.js';
import { EVENTS_PER_JOB } from '../outbox/relay.js';
import { ingestEventsJob, matchJob, matchJobId } from '../transactions/jobs.js';
import { transactionsToRetry } from '../transactions/store.js';

export const SWEEP_EVERY_MS = 60_000;

/**
 * The periodic safety net:
 * - callback events that never became a transaction (a job lost with the in-process queue, a worker
 *   killed mid-batch) are fed through again;
 * - `pending` transactions (matching interrupted) and `unmatched` ones whose memo carries a reference
 *   code, or whose account had no payee, are matched again: a callback that arrived before its payment
 *   request (or before the stall was registered) is matched once the request exists.
 */
export async function sweep(deps: Pick<AppDeps, 'db' | 'jobs'>, options: { minAgeS?: number } = {}) {
  const eventIds = await findUnprocessedEvents(deps.db, options.minAgeS ?? 60, 2000);
  const items = [];
  for (let i = 0; i < eventIds.length; i += EVENTS_PER_JOB) {
    const chunk = eventIds.slice(i, i + EVENTS_PER_JOB);
    items.push({
      payload: { v: 1 as const, eventIds: chunk },
      options: { jobId: `sweep-events-${chunk[0]}-${chunk.at(-1)}` },
    });
  }
  await deps.jobs.enqueueMany(ingestEventsJob, items);
  const ids = await transactionsToRetry(deps.db, 500);
  await deps.jobs.enqueueMany(
    matchJob,
    ids.map((transactionId) => ({
      payload: { v: 1 as const, transactionId },
      options: { jobId: matchJobId(transactionId) },
    })),
  );
  return { events: eventIds.length, transactions: ids.length };
}

export const sweepJob: JobDefinition<{ v: 1 }> = {
  name: 'reconciliation.sweep',
  payload: z.object({ v: z.literal(1) }),
  concurrency: 1,
  attempts: 3,
  async handle(_payload, deps) {
    await sweep(deps);
  },
};
