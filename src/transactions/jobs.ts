import { z } from 'zod';
import { loadCallbackEvents, type StoredEvent } from '../callbacks/store.js';
import type { AppDeps } from '../deps.js';
import type { JobDefinition } from '../jobs/types.js';
import { recordAndMatch } from './ingest.js';
import { matchTransaction } from './matcher.js';
import type { CreditReport } from './record.js';

const reportOf = (e: StoredEvent): CreditReport => {
  const c = e.credit;
  return {
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
  };
};

/** Stored callback events → their matched transactions, as one batch (ingest.ts). */
export async function ingestEvents(deps: Pick<AppDeps, 'db'>, events: StoredEvent[]): Promise<string[]> {
  const recorded = await recordAndMatch(deps.db, events.map(reportOf));
  return recorded.map((r) => r.transactionId);
}

/** One stored callback event → its matched transaction (a batch of one). */
export async function ingestEvent(deps: Pick<AppDeps, 'db'>, e: StoredEvent): Promise<string> {
  const [id] = await ingestEvents(deps, [e]);
  return id!;
}

/** Turns a batch of stored callback events into matched transactions. Idempotent: a re-run changes nothing. */
export const ingestEventsJob: JobDefinition<{ v: 1; eventIds: number[] }> = {
  name: 'transactions.ingest-events',
  payload: z.object({ v: z.literal(1), eventIds: z.array(z.number().int().positive()).min(1).max(1000) }),
  concurrency: 4,
  attempts: 8,
  async handle(payload, deps) {
    const events = await loadCallbackEvents(deps.db, payload.eventIds);
    try {
      await ingestEvents(deps, events);
    } catch (err) {
      deps.logger.warn({ err, events: events.length }, 'ingest batch failed; its events go one by one');
      // One event the batch cannot take (a unit deleted under it, a deadlock with a person's action…)
      // must not hold back the others: each goes on its own, and the job fails only for those that fail.
      const errors: unknown[] = [];
      for (const e of events) await ingestEvent(deps, e).catch((err) => errors.push(err));
      if (errors.length > 0) throw errors[0];
    }
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
