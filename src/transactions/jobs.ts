import { z } from 'zod';
import { loadCallbackEvents, type StoredEvent } from '../callbacks/store.js';
import type { AppDeps } from '../deps.js';
import type { JobDefinition } from '../jobs/types.js';
import { matchTransaction } from './matcher.js';
import { recordCredit } from './record.js';

/** A stored callback event → its transaction (step 1, one DB transaction) → matched (step 2, another). */
export async function ingestEvent(deps: Pick<AppDeps, 'db'>, e: StoredEvent): Promise<string> {
  const c = e.credit;
  const recorded = await recordCredit(deps.db, {
    channel: `callback:${e.provider}`,
    sourceRef: e.providerEventId,
    callbackEventId: e.id,
    direction: c.direction,
    accountNumber: c.accountNumber,
    bankBin: c.bankBin,
    amount: c.amount,
    memo: c.memo,
    bookedAt: new Date(c.bookedAt),
    counterpartyAccount: c.counterpartyAccount,
    counterpartyName: c.counterpartyName,
    counterpartyBankBin: c.counterpartyBankBin,
    bankReference: c.bankReference,
    ignoreReason: c.ignoreReason,
  });
  // A merged credit was already matched through its first channel; a re-run after a crash finds `pending`.
  if (recorded.outcome === 'created' || recorded.status === 'pending') {
    await matchTransaction(deps.db, recorded.transactionId);
  }
  return recorded.transactionId;
}

const EVENTS_IN_PARALLEL = 4;

/** Turns a batch of stored callback events into matched transactions. Idempotent: a re-run changes nothing. */
export const ingestEventsJob: JobDefinition<{ v: 1; eventIds: number[] }> = {
  name: 'transactions.ingest-events',
  payload: z.object({ v: z.literal(1), eventIds: z.array(z.number().int().positive()).min(1).max(1000) }),
  concurrency: 4,
  attempts: 8,
  async handle(payload, deps) {
    const events = await loadCallbackEvents(deps.db, payload.eventIds);
    // Events are independent (locks and unique sources keep concurrent work correct): a few at a time,
    // so one job is not bound by one round trip after another.
    let next = 0;
    const errors: unknown[] = [];
    await Promise.all(
      Array.from({ length: Math.min(EVENTS_IN_PARALLEL, events.length) }, async () => {
        while (next < events.length) {
          const e = events[next++]!;
          await ingestEvent(deps, e).catch((err) => errors.push(err));
        }
      }),
    );
    // The whole job is retried: events already done are no-ops the second time.
    if (errors.length > 0) throw errors[0];
  },
};

/** Matches one transaction again (the sweep's unit of work). Job id `match-<transactionId>`. */
export const matchJob: JobDefinition<{ v: 1; transactionId: string }> = {
  name: 'transactions.match',
  payload: z.object({ v: z.literal(1), transactionId: z.uuid() }),
  concurrency: 4,
  attempts: 8,
  async handle(payload, deps) {
    await matchTransaction(deps.db, payload.transactionId, { retryUnmatched: true });
  },
};

// BullMQ refuses ":" in custom job ids, so the business key is written `match-<transactionId>`.
export const matchJobId = (transactionId: string) => `match-${transactionId}`;
