import { z } from 'zod';
import type { JobDefinition } from '../jobs/types.js';
import { IDEMPOTENCY_TTL_MS } from './middleware.js';
import { pruneIdempotencyKeys } from './store.js';

/** Forgets Idempotency-Key answers older than IDEMPOTENCY_TTL_MS. Idempotent: a second run finds nothing. */
export const pruneIdempotencyKeysJob: JobDefinition<{ v: 1 }> = {
  name: 'idempotency-prune',
  payload: z.object({ v: z.literal(1) }),
  async handle(_payload, deps) {
    const gone = await pruneIdempotencyKeys(
      deps.db,
      new Date(deps.clock.now().getTime() - IDEMPOTENCY_TTL_MS),
    );
    if (gone > 0) deps.logger.info({ gone }, 'pruned idempotency keys');
  },
};
