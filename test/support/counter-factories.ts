import { expect } from 'vitest';
import type { TestApp } from './app.js';
import { genericCallback, postCallback } from './callback-factories.js';
import { createCommune, createKey, createPayee } from './factories.js';

/** A market vendor in a fresh commune, with a payee key of its own. */
export async function vendorWithKey(app: TestApp, overrides: Record<string, unknown> = {}) {
  const commune = await createCommune(app);
  const vendor = await createPayee(app, commune.hamlets[0]!, overrides);
  const key = await createKey(app, { role: 'payee', payeeId: vendor.id });
  return { commune, vendor, key };
}

/** A customer pays the stall by QR: the bank's callback (generic adapter, signed) for its account. */
export async function payByQr(
  app: TestApp,
  vendor: { accountNumber: string },
  amount: number,
  description = 'chuyen tien',
) {
  const res = await postCallback(
    app,
    'generic',
    genericCallback({ accountNumber: vendor.accountNumber, amount, description }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res;
}

/** The vendor records a cash sale with its own key (what the stall screen's button does). */
export async function payCash(
  app: TestApp,
  key: string,
  amount: number,
  extra: Record<string, unknown> = {},
) {
  const res = await app.api('POST', '/v1/cash-payments', { amount, category: 'market', ...extra }, key);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
}
