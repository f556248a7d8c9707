/**
 * Casso bank-transaction webhook v2 (https://developer.casso.vn/webhook/thiet-lap-webhook-thu-cong and
 * "Xử lý sự kiện Webhook" beside it).
 *
 * Body `{ error: 0, data: { id, reference, description, amount, runningBalance, transactionDateTime,
 * accountNumber, bankName, bankAbbreviation, virtualAccountNumber, virtualAccountName,
 * counterAccountName, counterAccountNumber, counterAccountBankId, counterAccountBankName } }`: one
 * transaction per call; `amount` is negative for money going out; `id` is Casso's id (the dedupe key).
 *
 * Signature: header `X-Casso-Signature: t=<unix milliseconds>,v1=<hex>`, where v1 is HMAC-SHA512 keyed
 * with the webhook secret (config CASSO_WEBHOOK_SECRET) of "<t>." + the JSON of the whole body with
 * every object's keys sorted (Casso's sample `sortObjDataByKey` + `JSON.stringify`). Casso's own sample
 * (secret mgExMrjj…QbvS, t=1727948258788, v1=ed0a4bd2…7ff3) is a unit test here. The body is re-serialised
 * for the check, so what is stored is still the raw text we received. We refuse a `t` more than 300 s
 * from now, like our generic format.
 *
 * Success: HTTP 200; we answer `{"success": true}`. Casso retries a failed delivery, so repeats are normal.
 */
import { z } from 'zod';
import { isTransactionAmount, TRANSACTION_AMOUNT_RULE } from '../transactions/amount.js';
import {
  hmacHex,
  parseTimestampedSignature,
  safeEqualHex,
  secretList,
  vietnamLocalToIso,
  withinWindow,
} from './signing.js';
import type { CallbackAdapter } from './types.js';

export const CASSO_TOLERANCE_S = 300;

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(obj)
      .sort()
      .map((k) => [k, sortDeep(obj[k])]),
  );
}

/** The string Casso signs (exported for the test factories). */
export function cassoSignedString(t: string, body: unknown): string {
  return `${t}.${JSON.stringify(sortDeep(body))}`;
}

const text = z.string().max(1000).nullish();
const body = z.object({
  error: z.number().int(),
  data: z.object({
    id: z.union([z.number().int().nonnegative(), z.string().min(1).max(64)]),
    reference: text,
    description: text,
    amount: z
      .number()
      .refine((n) => isTransactionAmount(Math.abs(n)), `${TRANSACTION_AMOUNT_RULE}, either sign`),
    runningBalance: z.number().nullish(),
    transactionDateTime: z.string().max(40),
    accountNumber: z.string().min(1).max(64),
    bankName: text,
    bankAbbreviation: text,
    virtualAccountNumber: text,
    virtualAccountName: text,
    counterAccountName: text,
    counterAccountNumber: text,
    counterAccountBankId: text,
    counterAccountBankName: text,
  }),
});

export const cassoAdapter: CallbackAdapter = {
  name: 'casso',
  configured: (config) => config.CASSO_WEBHOOK_SECRET !== undefined,
  verify({ json, header, now, config }) {
    const sig = parseTimestampedSignature(header('x-casso-signature'));
    if (!sig) return { ok: false, status: 401, reason: 'missing or malformed X-Casso-Signature' };
    if (!withinWindow(Number(sig.t) / 1000, now, CASSO_TOLERANCE_S))
      return { ok: false, status: 401, reason: 'timestamp outside the 300 s window' };
    if (json === undefined) return { ok: false, status: 400, reason: 'body is not JSON' };
    const signed = cassoSignedString(sig.t, json);
    const expected = secretList(config.CASSO_WEBHOOK_SECRET).map((s) => hmacHex('sha512', s, signed));
    return expected.some((e) => sig.v1.some((v) => safeEqualHex(e, v)))
      ? { ok: true }
      : { ok: false, status: 401, reason: 'signature mismatch' };
  },
  parse(json) {
    const r = body.safeParse(json);
    if (!r.success)
      return { ok: false, reason: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
    const { error, data: d } = r.data;
    const bookedAt = vietnamLocalToIso(d.transactionDateTime);
    if (!bookedAt) return { ok: false, reason: 'data.transactionDateTime: not "YYYY-MM-DD HH:mm:ss"' };
    const direction = d.amount < 0 ? 'out' : 'in';
    return {
      ok: true,
      credit: {
        providerEventId: String(d.id),
        direction,
        accountNumber: d.virtualAccountNumber || d.accountNumber,
        amount: Math.abs(d.amount),
        memo: d.description ?? '',
        bookedAt,
        counterpartyAccount: d.counterAccountNumber || undefined,
        counterpartyName: d.counterAccountName || undefined,
        counterpartyBankBin: d.counterAccountBankId || undefined,
        bankReference: d.reference || undefined,
        virtualAccount: d.virtualAccountNumber || undefined,
        ignoreReason:
          direction === 'out' ? 'outgoing transfer' : error !== 0 ? `Casso error ${error}` : undefined,
      },
    };
  },
  success: { status: 200, body: { success: true } },
};
