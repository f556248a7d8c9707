/**
 * The status of a payment request, derived from what has been paid. Pure: the store applies it under a
 * row lock, and property tests pin it down.
 *
 *   open ──pay part──▶ partially_paid ──pay rest──▶ paid ──pay more──▶ overpaid
 *   open ──expiry job──▶ expired        open ──cancel──▶ cancelled
 *
 * Payments move a request between the four "money" statuses in both directions (an undone allocation
 * is a negative payment). `expired` and `cancelled` are terminal: money arriving later is still counted
 * in `paidAmount`, and the caller flags it for a refund, but the request does not come back to life.
 */
export const paymentRequestStatuses = [
  'open',
  'partially_paid',
  'paid',
  'overpaid',
  'expired',
  'cancelled',
] as const;
export type PaymentRequestStatus = (typeof paymentRequestStatuses)[number];

/** Statuses that payments no longer change. */
export const terminalStatuses: ReadonlySet<PaymentRequestStatus> = new Set(['expired', 'cancelled']);

/** Statuses a request may be cancelled from (nothing has been paid on it). */
export const cancellableStatuses: ReadonlySet<PaymentRequestStatus> = new Set(['open', 'expired']);

/** The status a request has once `paidAmount` of its `amount` has been paid. */
export function deriveStatus(
  current: PaymentRequestStatus,
  amount: number,
  paidAmount: number,
): PaymentRequestStatus {
  if (terminalStatuses.has(current)) return current;
  if (paidAmount <= 0) return 'open';
  if (paidAmount < amount) return 'partially_paid';
  if (paidAmount === amount) return 'paid';
  return 'overpaid';
}

/** What is still owed: never negative. */
export const outstanding = (amount: number, paidAmount: number) => Math.max(0, amount - paidAmount);
