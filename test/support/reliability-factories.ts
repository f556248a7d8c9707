import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import type { TestApp } from './app.js';
import {
  createRequest,
  genericCallback,
  postCallback,
  type Signed,
  sepayCallback,
  settle,
  uniqueId,
} from './callback-factories.js';
import { createCommune, createPayee } from './factories.js';

/**
 * A commune's busy day through the public interface: market sales by QR, fees paid exactly, in part,
 * twice and too much, cash at the counter, a credit nobody recognised that a person allocates, an
 * outgoing transfer. Every path that writes allocations, paid amounts and rollups is taken once.
 */
export async function busyDay(app: TestApp) {
  const { commune, hamlets } = await createCommune(app);
  const stall = await createPayee(app, hamlets[0]!);
  const school = await createPayee(app, commune, { kind: 'school', stallNo: undefined });
  const exact = await createRequest(app, school, hamlets[0]!, 100_000);
  const partial = await createRequest(app, school, hamlets[1]!, 300_000, { payerRef: 'HS-002' });
  const over = await createRequest(app, school, hamlets[0]!, 50_000);
  const byCash = await createRequest(app, school, hamlets[1]!, 70_000);
  const mixed = await createRequest(app, school, hamlets[0]!, 90_000);
  const byHand = await createRequest(app, school, hamlets[0]!, 40_000);

  const send = async (provider: string, signed: Signed) =>
    expect((await postCallback(app, provider, signed)).status).toBe(200);
  const pay = (account: string, amount: number, memo: string) =>
    send('generic', genericCallback({ accountNumber: account, amount, description: memo }));

  await pay(stall.accountNumber, 25_000, 'tien rau');
  await pay(stall.accountNumber, 12_000, 'ca phe');
  await pay(school.accountNumber, 100_000, `hoc phi ${exact.reference}`);
  await pay(school.accountNumber, 100_000, `${partial.reference} dot 1`);
  await pay(school.accountNumber, 80_000, `THANH TOAN ${over.reference}`);
  await send(
    'sepay',
    sepayCallback({ accountNumber: stall.accountNumber, transferAmount: 9_000, transferType: 'out' }),
  );
  const stranger = `7${uniqueId()}`.slice(0, 18);
  await pay(stranger, 40_000, 'khong ro');
  await settle(app);
  // The same fee paid again: a duplicate, flagged for refund.
  await pay(school.accountNumber, 100_000, `${exact.reference} lan 2`);

  const cash = await app.api('POST', '/v1/cash-payments', { paymentRequestId: byCash.id });
  expect(cash.status, JSON.stringify(cash.body)).toBe(201);
  const half = await app.api('POST', '/v1/cash-payments', { paymentRequestId: mixed.id, amount: 30_000 });
  expect(half.status, JSON.stringify(half.body)).toBe(201);
  await pay(school.accountNumber, 60_000, `${mixed.reference} phan con lai`);
  const sale = await app.api('POST', '/v1/cash-payments', {
    payeeId: stall.id,
    amount: 55_000,
    category: 'market',
    saleCount: 4,
  });
  expect(sale.status, JSON.stringify(sale.body)).toBe(201);
  await settle(app);

  const [unknown] = await queryRows<{ id: string }>(
    app.deps.db,
    sql`select id from transactions where account_number = ${stranger}`,
  );
  const allocated = await app.api('POST', `/v1/transactions/${unknown!.id}/allocate`, {
    paymentRequestId: byHand.id,
  });
  expect(allocated.status, JSON.stringify(allocated.body)).toBe(201);
  return {
    commune,
    hamlets,
    stall,
    school,
    requests: { exact, partial, over, byCash, mixed, byHand },
    strangerTransactionId: unknown!.id,
  };
}

/** Row counts of every table that holds money or its trail: a rejected request must change none. */
export async function moneyRowCounts(app: TestApp): Promise<Record<string, number>> {
  const tables = [
    'units',
    'households',
    'payees',
    'api_keys',
    'payment_requests',
    'payment_request_events',
    'payment_request_batches',
    'cash_payments',
    'callback_events',
    'outbox',
    'transactions',
    'transaction_sources',
    'allocations',
    'statements',
    'statement_lines',
    'payment_rollups',
    'payer_rollups',
    'payee_rollups',
    'audit_log',
  ];
  const [row] = await queryRows<Record<string, number>>(
    app.deps.db,
    sql.raw(`select ${tables.map((t) => `(select count(*) from ${t})::int8 as "${t}"`).join(', ')}`),
  );
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
}
