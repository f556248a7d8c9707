import { asyncCommitTransaction, type Db } from '../db/client.js';
import { matchTransactions } from './matcher.js';
import { type CreditReport, type RecordOutcome, recordCredits, toMatchAfterRecording } from './record.js';

/**
 * Reports of bank movements (callback events, statement lines) → their transactions, recorded in one
 * database transaction for the whole batch (step 1), then matched in another (step 2), each in a fixed
 * number of statements (record.ts and matcher.ts say how a batch keeps the outcome of one report after
 * another, and why concurrent batches cannot deadlock). Two transactions, so the advisory locks of step 1,
 * which batches sharing an account and amount wait on, are held only while recording. A merged credit was
 * already matched through its first channel; a re-run after a crash between the steps finds it `pending`
 * and matches it.
 */
export async function recordAndMatch(db: Db, reports: CreditReport[]): Promise<RecordOutcome[]> {
  if (reports.length === 0) return [];
  // Derived state: both steps commit without waiting for the disk (see ASYNC_COMMIT_NOTE in matcher.ts).
  const recorded = await asyncCommitTransaction(db, (tx) => recordCredits(tx, reports));
  const { match, rematch } = toMatchAfterRecording(recorded);
  if (match.length + rematch.length > 0) {
    await asyncCommitTransaction(db, (tx) =>
      matchTransactions(tx, [...match, ...rematch], { retryUnmatched: new Set(rematch) }),
    );
  }
  return recorded;
}
