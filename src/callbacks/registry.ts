import { cassoAdapter } from './casso.js';
import { genericAdapter } from './generic.js';
import { payosAdapter } from './payos.js';
import { sepayAdapter } from './sepay.js';
import type { CallbackAdapter } from './types.js';

/** Every callback adapter, by the name in its route (`POST /v1/callbacks/<name>`). Add a provider here. */
export const adapters: readonly CallbackAdapter[] = [
  genericAdapter,
  sepayAdapter,
  payosAdapter,
  cassoAdapter,
];

const byName = new Map(adapters.map((a) => [a.name, a]));

export function findAdapter(name: string): CallbackAdapter | undefined {
  return byName.get(name);
}
