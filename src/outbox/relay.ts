import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { asyncCommitTransaction, queryRows } from '../db/client.js';
import type { AppDeps } from '../deps.js';
import type { JobDefinition } from '../jobs/types.js';
import { ingestEventsJob } from '../transactions/jobs.js';

/** Outbox rows moved per round, and callback events per ingest job. */
export const RELAY_BATCH = 1000;
export const EVENTS_PER_JOB = 100;
/** How long one relay run keeps draining before it lets the next scheduled run take over. */
const RELAY_BUDGET_MS = 5_000;

/**
 * Moves outbox rows to the queue: claims a batch (FOR UPDATE SKIP LOCKED, so relays on several
 * processes share the work), enqueues them as jobs, and deletes them in the same database transaction.
 * If the queue refuses (Redis down), the transaction rolls back and the rows wait for the next run.
 * A crash after enqueueing but before commit enqueues them again later: the jobs are idempotent.
 * Returns how many rows it moved.
 */
export async function relayOutbox(
  deps: Pick<AppDeps, 'db' | 'jobs'>,
  budgetMs = RELAY_BUDGET_MS,
): Promise<number> {
  const deadline = Date.now() + budgetMs;
  let moved = 0;
  for (;;) {
    // Losing this delete in a crash only re-enqueues the rows: no need to wait for the disk.
    const n = await asyncCommitTransaction(deps.db, async (tx) => {
      const rows = await queryRows<{ topic: string; ref_id: number }>(
        tx,
        sql`delete from outbox where id in (
              select id from outbox order by id limit ${RELAY_BATCH} for update skip locked
            ) returning topic, ref_id`,
      );
      const eventIds = rows
        .filter((r) => r.topic === 'callback')
        .map((r) => Number(r.ref_id))
        .sort((a, b) => a - b);
      const items: { payload: { v: 1; eventIds: number[] }; options: { jobId: string } }[] = [];
      for (let i = 0; i < eventIds.length; i += EVENTS_PER_JOB) {
        const chunk = eventIds.slice(i, i + EVENTS_PER_JOB);
        items.push({
          payload: { v: 1, eventIds: chunk },
          options: { jobId: `events-${chunk[0]}-${chunk.at(-1)}` },
        });
      }
      await deps.jobs.enqueueMany(ingestEventsJob, items);
      return rows.length;
    });
    moved += n;
    if (n < RELAY_BATCH || Date.now() > deadline) return moved;
  }
}

export async function outboxBacklog(deps: Pick<AppDeps, 'db'>): Promise<number> {
  const [row] = await queryRows<{ n: number }>(deps.db, sql`select count(*)::int8 as n from outbox`);
  return Number(row?.n ?? 0);
}

/** Scheduled every RELAY_EVERY_MS; one run at a time per process (concurrency 1). */
export const relayJob: JobDefinition<{ v: 1 }> = {
  name: 'outbox.relay',
  payload: z.object({ v: z.literal(1) }),
  concurrency: 1,
  attempts: 1,
  async handle(_payload, deps) {
    await relayOutbox(deps);
  },
};

export const RELAY_EVERY_MS = 250;
