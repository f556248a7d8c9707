/**
 * `generic`: our own signed format for banks and systems without an adapter (shared/api.md, "Callbacks").
 * Body `{ id, accountNumber, amount, description, bookedAt, counterpartyAccount?, counterpartyName? }`;
 * header `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` keyed with
 * GENERIC_WEBHOOK_SECRET; a `t` more than 300 s from now is refused (replays).
 */
import { z } from 'zod';
import { isTransactionAmount, TRANSACTION_AMOUNT_RULE } from '../transactions/amount.js';
import { hmacHex, parseTimestampedSignature, safeEqualHex, secretList, withinWindow } from './signing.js';
import type { CallbackAdapter } from './types.js';

export const GENERIC_TOLERANCE_S = 300;

const body = z.object({
  id: z.union([z.string().min(1).max(128), z.number().int().nonnegative()]),
  accountNumber: z.string().min(1).max(64),
  amount: z.number().refine(isTransactionAmount, TRANSACTION_AMOUNT_RULE),
  description: z.string().max(1000),
  bookedAt: z.iso.datetime({ offset: true }),
  counterpartyAccount: z.string().max(64).optional(),
  counterpartyName: z.string().max(200).optional(),
});

export const genericAdapter: CallbackAdapter = {
  name: 'generic',
  configured: (config) => config.GENERIC_WEBHOOK_SECRET !== undefined,
  verify({ raw, header, now, config }) {
    const sig = parseTimestampedSignature(header('x-signature'));
    if (!sig) return { ok: false, status: 401, reason: 'missing or malformed X-Signature' };
    if (!withinWindow(Number(sig.t), now, GENERIC_TOLERANCE_S))
      return { ok: false, status: 401, reason: 'timestamp outside the 300 s window' };
    const expected = secretList(config.GENERIC_WEBHOOK_SECRET).map((s) =>
      hmacHex('sha256', s, `${sig.t}.${raw}`),
    );
    return expected.some((e) => sig.v1.some((v) => safeEqualHex(e, v)))
      ? { ok: true }
      : { ok: false, status: 401, reason: 'signature mismatch' };
  },
  parse(json) {
    const r = body.safeParse(json);
    if (!r.success)
      return { ok: false, reason: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
    const b = r.data;
    return {
      ok: true,
      credit: {
        providerEventId: String(b.id),
        direction: 'in',
        accountNumber: b.accountNumber,
        amount: b.amount,
        memo: b.description,
        bookedAt: new Date(b.bookedAt).toISOString(),
        counterpartyAccount: b.counterpartyAccount,
        counterpartyName: b.counterpartyName,
      },
    };
  },
  success: { status: 200, body: { ok: true } },
};
