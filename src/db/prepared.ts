import type { DbOrTx } from './client.js';

/**
 * A query built once per database handle instead of once per call. Drizzle's query builder is the
 * largest cost of a simple read in this service (the profile of GET /v1/payment-requests/{id}/qr.png
 * showed a quarter of the API's CPU in drizzle-orm, mostly `is()` and SQL assembly); a prepared query
 * keeps its SQL text and only fills its placeholders. Handles are held weakly: a transaction's handle
 * lives as long as the transaction, so inside one the query is built once per transaction, as before.
 */
export function perDb<Q>(build: (db: DbOrTx) => Q): (db: DbOrTx) => Q {
  const built = new WeakMap<DbOrTx, Q>();
  return (db) => {
    let query = built.get(db);
    if (query === undefined) {
      query = build(db);
      built.set(db, query);
    }
    return query;
  };
}
