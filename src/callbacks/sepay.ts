/**
 * SePay bank-transaction webhook.
 *
 * Payload (https://developer.sepay.vn/en/sepay-webhooks/tich-hop-webhook and shared/providers/sepay.json):
 * `id` (SePay's transaction id: the dedupe key), `gateway` (bank name), `transactionDate`
 * ("YYYY-MM-DD HH:mm:ss", Vietnam time), `accountNumber`, `code` (payment code SePay recognised, or
 * null), `content` (transfer memo), `transferType` ("in" | "out"), `transferAmount`, `accumulated`,
 * `subAccount` (virtual account or null), `referenceCode` (bank reference), `description` (full text).
 *
 * Authentication (https://developer.sepay.vn/en/sepay-webhooks/xac-thuc): either
 * - API Key: `Authorization: Apikey <key>` (config SEPAY_API_KEY), compared in constant time; or
 * - HMAC-SHA256: `X-SePay-Signature` (hex, optionally prefixed `sha256=`) of "<X-SePay-Timestamp>.<raw body>"
 *   keyed with SEPAY_WEBHOOK_SECRET; the timestamp (unix seconds) must be within 5 minutes of now
 *   (https://developer.sepay.vn/en/sepay-webhooks/bao-mat, "Replay attack protection").
 * When both are configured, a request passes with either one.
 *
 * Success: HTTP 200 with `{"success": true}` within 5 s; SePay retries failures up to 7 times on a
 * Fibonacci schedule (https://developer.sepay.vn/en/sepay-webhooks/bat-dau-nhanh), so repeats are normal.
 * `transferType: "out"` is stored but is not a credit: its transaction is `ignored`.
 */
import { z } from 'zod';
import { isTransactionAmount, TRANSACTION_AMOUNT_RULE } from '../transactions/amount.js';
import { hmacHex, safeEqual, safeEqualHex, secretList, vietnamLocalToIso, withinWindow } from './signing.js';
import type { CallbackAdapter } from './types.js';

export const SEPAY_TOLERANCE_S = 300;

const nullableText = z.string().max(1000).nullish();
const body = z.object({
  id: z.union([z.number().int().nonnegative(), z.string().min(1).max(64)]),
  gateway: z.string().max(100).nullish(),
  transactionDate: z.string().max(40),
  accountNumber: z.string().min(1).max(64),
  code: nullableText,
  content: nullableText,
  transferType: z.enum(['in', 'out']),
  transferAmount: z.number().refine(isTransactionAmount, TRANSACTION_AMOUNT_RULE),
  accumulated: z.number().nullish(),
  subAccount: z.string().max(64).nullish(),
  referenceCode: nullableText,
  description: nullableText,
});

export const sepayAdapter: CallbackAdapter = {
  name: 'sepay',
  configured: (config) => config.SEPAY_API_KEY !== undefined || config.SEPAY_WEBHOOK_SECRET !== undefined,
  verify({ raw, header, now, config }) {
    const auth = header('authorization');
    if (config.SEPAY_API_KEY && auth) {
      const m = /^Apikey\s+(.+)$/i.exec(auth.trim());
      if (m && secretList(config.SEPAY_API_KEY).some((k) => safeEqual(k, m[1]!.trim()))) return { ok: true };
    }
    const signature = header('x-sepay-signature');
    const timestamp = header('x-sepay-timestamp');
    if (config.SEPAY_WEBHOOK_SECRET && signature && timestamp) {
      if (!/^\d{1,12}$/.test(timestamp) || !withinWindow(Number(timestamp), now, SEPAY_TOLERANCE_S))
        return { ok: false, status: 401, reason: 'timestamp outside the 300 s window' };
      const received = signature.replace(/^sha256=/i, '');
      for (const secret of secretList(config.SEPAY_WEBHOOK_SECRET)) {
        if (safeEqualHex(hmacHex('sha256', secret, `${timestamp}.${raw}`), received)) return { ok: true };
      }
      return { ok: false, status: 401, reason: 'signature mismatch' };
    }
    return { ok: false, status: 401, reason: 'missing or wrong API key' };
  },
  parse(json) {
    const r = body.safeParse(json);
    if (!r.success)
      return { ok: false, reason: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
    const b = r.data;
    const bookedAt = vietnamLocalToIso(b.transactionDate);
    if (!bookedAt) return { ok: false, reason: 'transactionDate: not "YYYY-MM-DD HH:mm:ss"' };
    // The memo we match on: the transfer content, plus the payment code SePay recognised (if any).
    const memo = [b.content ?? b.description ?? '', b.code ?? ''].filter(Boolean).join(' ');
    return {
      ok: true,
      credit: {
        providerEventId: String(b.id),
        direction: b.transferType,
        // A virtual account identifies the payee more precisely than the shared main account.
        accountNumber: b.subAccount || b.accountNumber,
        amount: b.transferAmount,
        memo,
        bookedAt,
        bankReference: b.referenceCode ?? undefined,
        virtualAccount: b.subAccount ?? undefined,
        ignoreReason: b.transferType === 'out' ? 'outgoing transfer' : undefined,
      },
    };
  },
  success: { status: 200, body: { success: true } },
};
