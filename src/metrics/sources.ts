import { cashPaymentFacts } from '../cash-payments/store.js';
import type { DbOrTx } from '../db/client.js';
import { allocationFacts } from '../transactions/store.js';
import type { PaymentFact } from './facts.js';

/**
 * Where payment facts come from when the rollups are rebuilt: every feature that records facts also
 * exports a function that recomputes them all from its own tables. The rebuild and the invariant check
 * read only these, so "rollups == rebuild" checks the incremental path against the source tables.
 */
export type FactSource = {
  name: string;
  facts(db: DbOrTx): Promise<Iterable<PaymentFact> | AsyncIterable<PaymentFact>>;
};

/** Cash payments (src/cash-payments) and allocations of cashless transactions (src/transactions). */
export const factSources: FactSource[] = [
  { name: 'cash payments', facts: async (db) => cashPaymentFacts(db) },
  { name: 'allocations', facts: (db) => allocationFacts(db) },
];
