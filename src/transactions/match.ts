/**
 * Matching decisions, free of I/O (the matcher job gathers the facts and applies the decision).
 *
 * 1. An outgoing movement, or one its provider marked as not a payment → ignored.
 * 2. A reference code in the memo that names a payment request → that request:
 *    open / partially paid → pay it (outcome from the amounts: matched, partial, overpaid);
 *    paid / overpaid → `duplicate`, flagged for refund; expired / cancelled → `matched`, flagged for refund.
 * 3. Otherwise the receiving account (or virtual account) of a market stall → that stall's market sales.
 * 4. Otherwise `unmatched`: a person reviews it (scoped to the receiving account's payee when known).
 */
export type RequestFacts = {
  id: string;
  payeeId: string;
  amount: number;
  paidAmount: number;
  status: 'open' | 'partially_paid' | 'paid' | 'overpaid' | 'expired' | 'cancelled';
};
export type PayeeFacts = { id: string; kind: string; bankBin: string };
export type CreditFacts = { direction: 'in' | 'out'; amount: number; ignoreReason?: string | null };

export type MatchDecision =
  | { kind: 'ignore'; reason: string }
  | { kind: 'request'; request: RequestFacts; expected: TransactionOutcome; refundDue: boolean }
  | { kind: 'market_sale'; payee: PayeeFacts }
  | { kind: 'unmatched'; payee?: PayeeFacts };

export type TransactionOutcome = 'matched' | 'partial' | 'overpaid' | 'duplicate';

export function decideMatch(
  credit: CreditFacts,
  requestByReference: RequestFacts | undefined,
  receivingPayee: PayeeFacts | undefined,
): MatchDecision {
  if (credit.direction === 'out')
    return { kind: 'ignore', reason: credit.ignoreReason ?? 'outgoing transfer' };
  if (credit.ignoreReason) return { kind: 'ignore', reason: credit.ignoreReason };
  if (requestByReference) {
    const r = requestByReference;
    if (r.status === 'expired' || r.status === 'cancelled')
      return { kind: 'request', request: r, expected: 'matched', refundDue: true };
    if (r.status === 'paid' || r.status === 'overpaid')
      return { kind: 'request', request: r, expected: 'duplicate', refundDue: true };
    return {
      kind: 'request',
      request: r,
      expected: paymentOutcome(r.amount, r.paidAmount, credit.amount),
      refundDue: false,
    };
  }
  if (receivingPayee?.kind === 'market_vendor') return { kind: 'market_sale', payee: receivingPayee };
  return { kind: 'unmatched', payee: receivingPayee };
}

/** What paying `amount` on a request with `paidAmount` of `requestAmount` paid does. */
export function paymentOutcome(
  requestAmount: number,
  paidAmount: number,
  amount: number,
): TransactionOutcome {
  if (paidAmount >= requestAmount) return 'duplicate';
  const after = paidAmount + amount;
  if (after < requestAmount) return 'partial';
  if (after === requestAmount) return 'matched';
  return 'overpaid';
}

/** The part of `amount` that pays more than was owed (to be refunded). */
export function excessOf(requestAmount: number, paidBefore: number, amount: number): number {
  return Math.min(amount, Math.max(0, paidBefore + amount - requestAmount));
}

/**
 * The metrics channel of an allocation: an e-wallet when the money landed on an e-wallet (NAPAS BINs
 * 971xxx are e-wallets: Viettel Money, VNPT Money, MoMo, …); a QR payment when it was matched by the
 * reference code our QR carries or landed on a stall's account (its static QR); otherwise a transfer.
 */
export function channelOf(input: {
  receivingBin?: string | null;
  viaQr: boolean;
}): 'qr' | 'transfer' | 'ewallet' {
  if (input.receivingBin?.startsWith('971')) return 'ewallet';
  return input.viaQr ? 'qr' : 'transfer';
}
