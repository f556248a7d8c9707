/**
 * Requests issued one at a time (POST /v1/payment-requests) stored together: the rows that arrive while
 * the event loop is busy, or while earlier INSERTs are in flight, go into one multi-row INSERT (one
 * statement and one commit for all of them, instead of one each). Issuing was bound by commits per
 * second; a commit now carries as many requests as were waiting for it.
 *
 * Each caller still gets its own outcome: `insertPaymentRequests` answers per row (created, or the stored
 * request its externalId names). If the shared statement fails (a row that breaks a constraint), every
 * row of it is tried again on its own, so one bad row fails only its own request.
 *
 * Only for the root database: a caller inside a transaction (Idempotency-Key) must write in it, and
 * gets `undefined` from `forDb`.
 */
import type { Db, DbOrTx } from '../db/client.js';
import { type InsertOutcome, insertPaymentRequests, type NewPaymentRequest } from './store.js';

/** Statements in flight at once: the pool's other connections stay free for reads. */
const MAX_IN_FLIGHT = 4;
/** Rows per statement: well under INSERT_CHUNK; a bigger batch waits no longer for a slow statement. */
const MAX_ROWS = 200;

export type RequestInserter = {
  /** This inserter when `db` is the database it writes to, else undefined (a transaction). */
  forDb(db: DbOrTx): RequestInserter | undefined;
  insert(row: NewPaymentRequest, event: { actor: string; source: string }): Promise<InsertOutcome>;
};

type Pending = {
  row: NewPaymentRequest;
  event: { actor: string; source: string };
  resolve(o: InsertOutcome): void;
  reject(err: unknown): void;
};

export function createRequestInserter(db: Db): RequestInserter {
  let queue: Pending[] = [];
  let inFlight = 0;
  let scheduled = false;

  const one = (p: Pending) =>
    insertPaymentRequests(db, [p.row], p.event).then(([o]) => p.resolve(o!), p.reject);

  async function run(batch: Pending[]) {
    try {
      const outcomes = await insertPaymentRequests(
        db,
        batch.map((p) => p.row),
        batch.map((p) => p.event),
      );
      for (const [i, p] of batch.entries()) p.resolve(outcomes[i]!);
    } catch (err) {
      if (batch.length === 1) batch[0]!.reject(err);
      else await Promise.all(batch.map(one));
    }
  }

  function flush() {
    scheduled = false;
    while (queue.length > 0 && inFlight < MAX_IN_FLIGHT) {
      const batch = queue.slice(0, MAX_ROWS);
      queue = queue.slice(batch.length);
      inFlight++;
      void run(batch).finally(() => {
        inFlight--;
        if (queue.length > 0) flush();
      });
    }
  }

  const inserter: RequestInserter = {
    forDb: (candidate) => (candidate === db ? inserter : undefined),
    insert(row, event) {
      return new Promise<InsertOutcome>((resolve, reject) => {
        queue.push({ row, event, resolve, reject });
        // Rows that arrive in the same turn of the event loop share a statement.
        if (!scheduled && inFlight < MAX_IN_FLIGHT) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
  return inserter;
}
