import type { DbOrTx } from '../db/client.js';
import type { PaymentFact } from './facts.js';

/**
 * Where payment facts come from when the rollups are rebuilt: every feature that records facts also
 * exports a function that recomputes them all from its own tables (cash payments, allocations of
 * cashless transactions). The rebuild and the invariant check read only these.
 */
export type FactSource = {
  name: string;
  facts(db: DbOrTx): Promise<Iterable<PaymentFact> | AsyncIterable<PaymentFact>>;
};

type Module = Record<string, unknown>;

// The modules and the function each exports. They are loaded by name so that metrics does not depend on
// a feature's internals, and so a build without one of them still rebuilds from the others.
const known: { name: string; module: string; exported: string }[] = [
  { name: 'cash payments', module: '../cash-payments/store.js', exported: 'cashPaymentFacts' },
  { name: 'allocations', module: '../transactions/store.js', exported: 'allocationFacts' },
];

/** The fact sources present in this build, and the names of those that are missing. */
export async function loadFactSources(): Promise<{ sources: FactSource[]; missing: string[] }> {
  const sources: FactSource[] = [];
  const missing: string[] = [];
  for (const k of known) {
    let mod: Module | undefined;
    try {
      mod = (await import(k.module)) as Module;
    } catch (err) {
      // Only the module itself being absent counts as missing; a broken import inside it is an error.
      const e = err as { code?: string; message?: string };
      const stem = k.module.replace('../', '').replace(/\.js$/, '');
      if (e.code !== 'ERR_MODULE_NOT_FOUND' || !e.message?.includes(stem)) throw err;
    }
    const fn = mod?.[k.exported];
    if (typeof fn === 'function') {
      sources.push({ name: k.name, facts: (db) => (fn as FactSource['facts'])(db) });
    } else {
      missing.push(`${k.name} (${k.exported} in ${k.module.replace('../', 'src/')})`);
    }
  }
  return { sources, missing };
}
