import { z } from 'zod';
import type { JobDefinition } from '../jobs/types.js';
import { expireDuePaymentRequests } from './store.js';

/** Requests marked expired per statement: short transactions, so payments are never held up long. */
export const EXPIRE_BATCH = 1000;
/** How often the expiry job runs. A request is payable up to a minute past its expiry, never less. */
export const EXPIRE_EVERY_MS = 60_000;

/**
 * Marks open requests past their expiry as expired (actor `job:expire`), EXPIRE_BATCH at a time until
 * none is left. Idempotent (a second run finds nothing open and due) and safe to run concurrently
 * (SKIP LOCKED: two runs split the work).
 */
export const expirePaymentRequestsJob: JobDefinition<{ v: 1 }> = {
  name: 'payment-requests-expire',
  payload: z.object({ v: z.literal(1) }),
  async handle(_payload, deps) {
    const now = deps.clock.now();
    let total = 0;
    for (;;) {
      const n = await expireDuePaymentRequests(deps.db, now, EXPIRE_BATCH);
      total += n;
      if (n < EXPIRE_BATCH) break;
    }
    if (total > 0) deps.logger.info({ expired: total }, 'expired payment requests');
  },
};
