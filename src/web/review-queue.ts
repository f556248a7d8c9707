import type { DbOrTx } from '../db/client.js';

type Counter = (db: DbOrTx, unitPath: string) => Promise<number>;

// The reconciliation feature owns the review queue (unmatched and flagged transactions). It is looked up
// by name so the dashboard still renders, with "n/a", in a build where that count does not exist yet.
const candidates = ['../transactions/store.js', '../reconciliation/store.js', '../reconciliation/review.js'];

/** The function that counts a unit's review queue, when the reconciliation feature exports one. */
export async function findReviewQueueCounter(): Promise<Counter | undefined> {
  for (const path of candidates) {
    try {
      const mod = (await import(path)) as Record<string, unknown>;
      if (typeof mod.countReviewQueue === 'function') return mod.countReviewQueue as Counter;
    } catch (err) {
      const e = err as { code?: string; message?: string };
      if (e.code !== 'ERR_MODULE_NOT_FOUND' || !e.message?.includes(path.replace(/^\.\.\/|\.js$/g, '')))
        throw err;
    }
  }
  return undefined;
}
