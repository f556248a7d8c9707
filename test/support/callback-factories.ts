import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { cassoSignedString } from '../../src/callbacks/casso.js';
import { payosSignedString } from '../../src/callbacks/payos.js';
import { hmacHex } from '../../src/callbacks/signing.js';
import { queryRows } from '../../src/db/client.js';
import { relayOutbox } from '../../src/outbox/relay.js';
import type { PaymentRequestStatus } from '../../src/payment-requests/status.js';
import {
  getPaymentRequest,
  insertPaymentRequests,
  setPaymentRequestStatus,
} from '../../src/payment-requests/store.js';
import type { TestApp } from './app.js';

/** Secrets every callback test app is configured with. */
export const secrets = {
  GENERIC_WEBHOOK_SECRET: 'generic-test-secret-0123456789',
  SEPAY_API_KEY: 'sepay-test-api-key-0123',
  SEPAY_WEBHOOK_SECRET: 'sepay-test-hmac-secret-0123',
  PAYOS_CHECKSUM_KEY: 'payos-test-checksum-key-0123456789',
  CASSO_WEBHOOK_SECRET: 'casso-test-webhook-secret-0123456789',
};

let seq = 0;
export const uniqueId = () =>
  `${Date.now().toString(36)}${(++seq).toString(36)}${randomBytes(2).toString('hex')}`;
const nowS = () => Math.floor(Date.now() / 1000);
/** "YYYY-MM-DD HH:mm:ss" in Vietnam time, `offsetS` seconds from now. */
export const vnLocal = (offsetS = 0) =>
  new Date(Date.now() + offsetS * 1000 + 7 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

export type Signed = { body: string; headers: Record<string, string> };

/** Casso's webhook v2 sample (its documentation's verification example). */
const cassoSample = JSON.parse(
  readFileSync(new URL('../fixtures/providers/casso.json', import.meta.url), 'utf8'),
) as { error: number; data: Record<string, unknown> };

export function genericCallback(
  fields: Partial<{
    id: string;
    accountNumber: string;
    amount: number;
    description: string;
    bookedAt: string;
    counterpartyAccount: string;
  }>,
  options: { secret?: string; t?: number } = {},
): Signed {
  const body = JSON.stringify({
    id: fields.id ?? uniqueId(),
    accountNumber: fields.accountNumber ?? '0000000000',
    amount: fields.amount ?? 10_000,
    description: fields.description ?? '',
    bookedAt: fields.bookedAt ?? new Date().toISOString(),
    ...(fields.counterpartyAccount ? { counterpartyAccount: fields.counterpartyAccount } : {}),
  });
  const t = options.t ?? nowS();
  const v1 = hmacHex('sha256', options.secret ?? secrets.GENERIC_WEBHOOK_SECRET, `${t}.${body}`);
  return { body, headers: { 'x-signature': `t=${t},v1=${v1}` } };
}

export function sepayCallback(
  fields: Partial<{
    id: number;
    accountNumber: string;
    transferAmount: number;
    content: string;
    transferType: 'in' | 'out';
    transactionDate: string;
    subAccount: string | null;
    referenceCode: string;
  }>,
  options: { apiKey?: string; hmac?: boolean } = {},
): Signed {
  const id = fields.id ?? Number.parseInt(uniqueId().slice(-7), 36);
  const body = JSON.stringify({
    id,
    gateway: 'Vietcombank',
    transactionDate: fields.transactionDate ?? vnLocal(),
    accountNumber: fields.accountNumber ?? '0123499999',
    code: null,
    content: fields.content ?? 'chuyen tien',
    transferType: fields.transferType ?? 'in',
    transferAmount: fields.transferAmount ?? 150_000,
    accumulated: 19_077_000,
    subAccount: fields.subAccount ?? null,
    referenceCode: fields.referenceCode ?? `MBVCB.${id}`,
    description: `BankAPINotify ${fields.content ?? ''}`,
  });
  if (options.hmac) {
    const t = String(nowS());
    return {
      body,
      headers: {
        'x-sepay-timestamp': t,
        'x-sepay-signature': `sha256=${hmacHex('sha256', secrets.SEPAY_WEBHOOK_SECRET, `${t}.${body}`)}`,
      },
    };
  }
  return { body, headers: { authorization: `Apikey ${options.apiKey ?? secrets.SEPAY_API_KEY}` } };
}

export function payosCallback(
  fields: Partial<{
    orderCode: number;
    amount: number;
    description: string;
    accountNumber: string;
    reference: string;
    transactionDateTime: string;
    code: string;
  }>,
  options: { key?: string } = {},
): Signed {
  const data = {
    orderCode: fields.orderCode ?? Number.parseInt(uniqueId().slice(-7), 36),
    amount: fields.amount ?? 3000,
    description: fields.description ?? 'VQRIO123',
    accountNumber: fields.accountNumber ?? '12345678',
    reference: fields.reference ?? `TF${uniqueId()}`,
    transactionDateTime: fields.transactionDateTime ?? vnLocal(),
    currency: 'VND',
    paymentLinkId: '124c33293c43417ab7879e14c8d9eb18',
    code: fields.code ?? '00',
    desc: 'Thành công',
    counterAccountBankId: '',
    counterAccountBankName: '',
    counterAccountName: '',
    counterAccountNumber: '',
    virtualAccountName: '',
    virtualAccountNumber: '',
  };
  const signature = hmacHex('sha256', options.key ?? secrets.PAYOS_CHECKSUM_KEY, payosSignedString(data));
  return {
    body: JSON.stringify({ code: '00', desc: 'success', success: true, data, signature }),
    headers: {},
  };
}

export function cassoCallback(
  fields: Partial<{
    id: number;
    amount: number;
    description: string;
    accountNumber: string;
    reference: string;
    transactionDateTime: string;
  }>,
  options: { secret?: string; tMs?: number } = {},
): Signed {
  // Casso's documentation sample with this credit's fields: the same keys in the same order.
  const parsed = {
    ...cassoSample,
    data: {
      ...cassoSample.data,
      id: fields.id ?? Number.parseInt(uniqueId().slice(-7), 36),
      reference: fields.reference ?? `FT${uniqueId()}`,
      description: fields.description ?? 'giao dich',
      amount: fields.amount ?? 599_000,
      transactionDateTime: fields.transactionDateTime ?? vnLocal(),
      accountNumber: fields.accountNumber ?? '88888888',
    },
  };
  const t = String(options.tMs ?? Date.now());
  const v1 = hmacHex('sha512', options.secret ?? secrets.CASSO_WEBHOOK_SECRET, cassoSignedString(t, parsed));
  return { body: JSON.stringify(parsed), headers: { 'x-casso-signature': `t=${t},v1=${v1}` } };
}

/** POSTs a callback exactly as a provider would (raw body, no API key). */
export async function postCallback(app: TestApp, provider: string, signed: Signed) {
  const res = await fetch(`${app.url}/v1/callbacks/${provider}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signed.headers },
    body: signed.body,
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: a JSON answer, read by tests
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body };
}

/**
 * Relays the outbox and waits for every job, until nothing is left (what the scheduled relay does).
 * The outbox is counted before waiting on the queues: the app's own relay may hold rows (so ours moves
 * none) and enqueue them only as it commits, and an empty outbox means what it held is already queued.
 */
export async function settle(app: TestApp) {
  const pending = async () =>
    Number((await queryRows<{ n: number }>(app.deps.db, sql`select count(*)::int8 as n from outbox`))[0]!.n);
  for (let i = 0; i < 50; i++) {
    await app.deps.jobs.drained(30_000);
    const moved = await relayOutbox(app.deps, 2_000);
    if (moved === 0 && (await pending()) === 0) {
      await app.deps.jobs.drained(30_000);
      if ((await pending()) === 0) return;
    }
  }
  throw new Error('outbox did not settle');
}

export async function countRows(app: TestApp, table: string, where = sql`true`): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    app.deps.db,
    sql`select count(*)::int8 as n from ${sql.raw(table)} where ${where}`,
  );
  return Number(row!.n);
}

/** A payment request made through the payment-requests store (its own tests cover its HTTP API). */
export async function createRequest(
  app: TestApp,
  payee: { id: string },
  unitCode: string,
  amount: number,
  extra: Partial<{ category: string; householdCode: string; payerRef: string }> = {},
) {
  const [out] = await insertPaymentRequests(
    app.deps.db,
    [
      {
        payeeId: payee.id,
        unitCode,
        amount,
        category: extra.category ?? 'school_fee',
        purpose: null,
        payerRef: extra.payerRef ?? null,
        payerName: null,
        payerGroup: null,
        householdCode: extra.householdCode ?? null,
        externalId: null,
        batchId: null,
        expiresAt: null,
        createdBy: 'test',
        payloadFor: (reference) => `QR-${reference}`,
      },
    ],
    { actor: 'test', source: 'create' },
  );
  expect(out?.kind).toBe('created');
  return { id: out!.id, reference: out!.reference };
}

export async function setRequestStatus(app: TestApp, id: string, to: PaymentRequestStatus) {
  await app.deps.db.transaction(async (tx) => {
    const r = (await getPaymentRequest(tx, id))!;
    await setPaymentRequestStatus(tx as never, r, to, { actor: 'test', source: 'test' });
  });
}

export async function getRequest(app: TestApp, id: string) {
  return (await getPaymentRequest(app.deps.db, id))!;
}

/** The transactions list as an admin sees it, for one receiving account. */
export async function transactionsOf(app: TestApp, accountNumber: string) {
  const res = await app.api('GET', '/v1/transactions?limit=1000');
  expect(res.status).toBe(200);
  // biome-ignore lint/suspicious/noExplicitAny: JSON items, read by tests
  return (res.body.items as any[]).filter((t) => t.accountNumber === accountNumber);
}
