/**
 * Payees looked up by id for requests being served at the same moment, read in one query. Issuing was
 * bound by the API's CPU, and a sixth of it went to writing queries to Postgres: one payee lookup per
 * request. The lookups that arrive while the event loop reads its sockets now share one statement (the
 * request inserter does the same for the INSERTs). Nothing is cached: each lookup is answered by a query
 * sent after it was asked, so a payee changed a moment ago is read as it is now.
 *
 * Only for the root database: a caller inside a transaction must read in it, and gets `undefined` from
 * `forDb`.
 */
import DataLoader from 'dataloader';
import type { Db, DbOrTx } from '../db/client.js';
import { getPayees, isPayeeId, type Payee } from './store.js';

/** Ids per statement: a long list is still one index scan each. */
const MAX_BATCH = 500;

export type PayeeLoader = {
  /** This loader when `db` is the database it reads, else undefined (a transaction). */
  forDb(db: DbOrTx): PayeeLoader | undefined;
  load(id: string): Promise<Payee | undefined>;
};

export function createPayeeLoader(db: Db): PayeeLoader {
  const loader = new DataLoader<string, Payee | undefined>(
    async (ids) => {
      // Without a cache the loader passes an id once per caller: the statement asks for each once.
      const found = new Map((await getPayees(db, [...new Set(ids)])).map((p) => [p.id, p]));
      return ids.map((id) => found.get(id));
    },
    {
      cache: false,
      maxBatchSize: MAX_BATCH,
      // After the poll phase, not on the next tick: requests read from many sockets in one turn of the
      // event loop share the statement (a tick would close the batch after the first request).
      batchScheduleFn: (dispatch) => setImmediate(dispatch),
    },
  );
  const payeeLoader: PayeeLoader = {
    forDb: (candidate) => (candidate === db ? payeeLoader : undefined),
    load: async (id) => (isPayeeId(id) ? loader.load(id.toLowerCase()) : undefined),
  };
  return payeeLoader;
}
