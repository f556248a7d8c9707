import { get } from 'node:http';
import { expect } from 'vitest';
import { type PaymentFact, recordPaymentFact } from '../../src/metrics/facts.js';
import type { FactSource } from '../../src/metrics/sources.js';
import type { TestApp } from './app.js';
import { createCommune, createPayee } from './factories.js';

/** A payment fact with plain defaults: one QR payment of 100,000 ₫ at noon (Vietnam) on 2026-11-10. */
export function fact(
  overrides: Partial<PaymentFact> & Pick<PaymentFact, 'unitCode' | 'payeeId'>,
): PaymentFact {
  return {
    channel: 'qr',
    count: 1,
    value: 100_000,
    occurredAt: new Date('2026-11-10T05:00:00Z'),
    payeeKind: 'market_vendor',
    category: 'market',
    payerKey: null,
    ...overrides,
  };
}

/** Records facts the way the features do: inside a database transaction of their own. */
export async function recordFacts(app: TestApp, facts: PaymentFact[]): Promise<void> {
  await app.deps.db.transaction(async (tx) => {
    for (const f of facts) await recordPaymentFact(tx, f);
  });
}

/** A fact source over a list, standing in for the source tables in rebuild tests of the rollup maths. */
export const listSource = (facts: PaymentFact[]): FactSource => ({
  name: 'test facts',
  facts: async () => facts,
});

/**
 * A commune (province → commune → two hamlets) with households in each hamlet, two market stalls in
 * hamlet 1 and a school on the commune, ready for facts.
 */
export async function createMetricsCommune(app: TestApp, householdsPerHamlet = 4) {
  const units = await createCommune(app);
  const households = units.hamlets.map((h) =>
    Array.from({ length: householdsPerHamlet }, (_, i) => `${h}-HH${i + 1}`),
  );
  const items = units.hamlets.flatMap((h, i) => households[i]!.map((code) => ({ code, unitCode: h })));
  const res = await app.api('POST', '/v1/households', { items });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const stalls = [
    await createPayee(app, units.hamlets[0]!, { kind: 'market_vendor' }),
    await createPayee(app, units.hamlets[0]!, { kind: 'market_vendor' }),
  ];
  const school = await createPayee(app, units.commune, {
    kind: 'school',
    name: 'Trường',
    stallNo: undefined,
  });
  return { ...units, households, stalls, school };
}

type Tally = { count: number; value: number; payers: number };
/** A group of GET /v1/metrics/cashless, as tests read it. */
export type MetricsGroup = {
  key: string;
  cashless: Tally;
  cash: Tally;
  ratio: Record<string, number | null>;
};

/**
 * GET a JSON body on a fresh connection (no keep-alive). After a long stretch of in-process database
 * work, a pooled keep-alive socket may have been closed by the server just as fetch reuses it
 * (ECONNRESET); tests that record many facts between requests read the metrics with this.
 */
// biome-ignore lint/suspicious/noExplicitAny: a JSON answer, read by tests
export function getFresh<T = any>(app: TestApp, path: string): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const req = get(
      `${app.url}${path}`,
      { agent: false, headers: { authorization: `Bearer ${app.adminKey}` } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
  });
}
