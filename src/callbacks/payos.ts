/**
 * payOS payment webhook (https://payos.vn/docs/tich-hop-webhook/ and shared/providers/payos.json).
 *
 * Body `{ code, desc, success, data: { orderCode, amount, description, accountNumber, reference,
 * transactionDateTime, currency, paymentLinkId, code, desc, counterAccountBankId, counterAccountBankName,
 * counterAccountName, counterAccountNumber, virtualAccountName, virtualAccountNumber }, signature }`.
 *
 * Signature (https://payos.vn/docs/tich-hop-webhook/kiem-tra-du-lieu-voi-signature/): hex HMAC-SHA256,
 * keyed with the checksum key (config PAYOS_CHECKSUM_KEY), of `data`'s fields sorted by key and joined as
 * `key=value&key=value`; null, undefined, "null" and "undefined" become the empty string; an array
 * value is JSON of its elements each with keys sorted (unicode unescaped). The docs' sample (checksum key
 * 1a54716c…7675, signature 412e915d…aa03) is a unit test here. payOS signs no timestamp, so there is no
 * window: replays are harmless because the event id dedupes them.
 *
 * Dedupe key: `<orderCode>:<reference>` (one payment link can be paid by more than one transfer).
 * Success: any 2xx; we answer 200 `{"error": 0, "message": "Ok"}` like payOS's own SDK examples.
 * A webhook with `code` other than "00" (not a successful payment) is stored and ignored.
 */
import { z } from 'zod';
import { isTransactionAmount, TRANSACTION_AMOUNT_RULE } from '../transactions/amount.js';
import { hmacHex, safeEqualHex, secretList, vietnamLocalToIso } from './signing.js';
import type { CallbackAdapter } from './types.js';

function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.keys(value as Record<string, unknown>)
      .sort()
      .map((k) => [k, (value as Record<string, unknown>)[k]]),
  );
}

/** The string payOS signs: `data` sorted by key as key=value&… (exported for the test factories). */
export function payosSignedString(data: Record<string, unknown>): string {
  return Object.keys(data)
    .sort()
    .map((key) => {
      let value = data[key];
      if (Array.isArray(value)) value = JSON.stringify(value.map(sortKeys));
      else if (value !== null && typeof value === 'object') value = JSON.stringify(sortKeys(value));
      if (value === null || value === undefined || value === 'null' || value === 'undefined') value = '';
      return `${key}=${value}`;
    })
    .join('&');
}

const text = z.string().max(1000).nullish();
const data = z.object({
  orderCode: z.number().int().nonnegative(),
  amount: z.number().refine(isTransactionAmount, TRANSACTION_AMOUNT_RULE),
  description: text,
  accountNumber: z.string().min(1).max(64),
  reference: z.string().max(128).nullish(),
  transactionDateTime: z.string().max(40),
  currency: z.string().max(8).nullish(),
  paymentLinkId: text,
  code: text,
  desc: text,
  counterAccountBankId: text,
  counterAccountBankName: text,
  counterAccountName: text,
  counterAccountNumber: text,
  virtualAccountName: text,
  virtualAccountNumber: text,
});
const body = z.object({
  code: z.string().max(8),
  desc: z.string().max(500).nullish(),
  success: z.boolean().optional(),
  data,
  signature: z.string().max(256),
});

export const payosAdapter: CallbackAdapter = {
  name: 'payos',
  configured: (config) => config.PAYOS_CHECKSUM_KEY !== undefined,
  verify({ json, config }) {
    if (json === null || typeof json !== 'object')
      return { ok: false, status: 400, reason: 'body is not a JSON object' };
    const { data: d, signature } = json as { data?: unknown; signature?: unknown };
    if (d === null || typeof d !== 'object' || Array.isArray(d) || typeof signature !== 'string')
      return { ok: false, status: 401, reason: 'missing data or signature' };
    const signed = payosSignedString(d as Record<string, unknown>);
    return secretList(config.PAYOS_CHECKSUM_KEY).some((key) =>
      safeEqualHex(hmacHex('sha256', key, signed), signature),
    )
      ? { ok: true }
      : { ok: false, status: 401, reason: 'signature mismatch' };
  },
  parse(json) {
    const r = body.safeParse(json);
    if (!r.success)
      return { ok: false, reason: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
    const { code, data: d } = r.data;
    const bookedAt = vietnamLocalToIso(d.transactionDateTime);
    if (!bookedAt) return { ok: false, reason: 'data.transactionDateTime: not "YYYY-MM-DD HH:mm:ss"' };
    if (d.currency && d.currency !== 'VND') return { ok: false, reason: 'data.currency: only VND' };
    const failed = code !== '00' || (d.code != null && d.code !== '00');
    return {
      ok: true,
      credit: {
        providerEventId: `${d.orderCode}:${d.reference ?? ''}`,
        direction: 'in',
        accountNumber: d.virtualAccountNumber || d.accountNumber,
        amount: d.amount,
        memo: d.description ?? '',
        bookedAt,
        counterpartyAccount: d.counterAccountNumber || undefined,
        counterpartyName: d.counterAccountName || undefined,
        counterpartyBankBin: d.counterAccountBankId || undefined,
        bankReference: d.reference || undefined,
        virtualAccount: d.virtualAccountNumber || undefined,
        ignoreReason: failed ? `payOS code ${d.code ?? code}` : undefined,
      },
    };
  },
  success: { status: 200, body: { error: 0, message: 'Ok' } },
};
