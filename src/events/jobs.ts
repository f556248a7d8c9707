import { z } from 'zod';
import type { JobDefinition } from '../jobs/types.js';
import { prunePayeeEvents } from './store.js';

/**
 * How long payee events are kept. The screens show today and resume after minutes; the payments
 * themselves (allocations, cash payments) are kept for good by their own features.
 */
export const PAYEE_EVENTS_KEEP_DAYS = 35;
export const PRUNE_EVENTS_EVERY_MS = 6 * 3600_000;
const PRUNE_BATCH = 5_000;

/** Deletes events older than PAYEE_EVENTS_KEEP_DAYS, a batch per statement. Idempotent, safe to run twice at once. */
export const prunePayeeEventsJob: JobDefinition<{ v: 1 }> = {
  name: 'payee-events-prune',
  payload: z.object({ v: z.literal(1) }),
  async handle(_payload, deps) {
    const before = new Date(deps.clock.now().getTime() - PAYEE_EVENTS_KEEP_DAYS * 86_400_000);
    let total = 0;
    for (;;) {
      const n = await prunePayeeEvents(deps.db, before, PRUNE_BATCH);
      total += n;
      if (n < PRUNE_BATCH) break;
    }
    if (total > 0) deps.logger.info({ pruned: total }, 'pruned payee events');
  },
};
