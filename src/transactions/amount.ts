/**
 * The size of a transaction: a credit reported by a provider's callback or a line of a bank statement.
 *
 * design.md ("Money and time") asks for absurd sizes to be refused. 100 billion VND is far above anything a
 * commune's payees receive in one transfer (one VietQR transfer carries at most 500 million, see
 * MAX_PAYMENT_AMOUNT), yet low enough that a column read as an amount that is not one (a running balance,
 * an account number in the amount cell) is refused rather than booked and counted in the commune's ratios. Both channels apply the same bound, so a statement cannot
 * bring in a credit a callback would have refused.
 */
export const MAX_TRANSACTION_AMOUNT = 100_000_000_000;

/** A whole, positive number of VND no larger than MAX_TRANSACTION_AMOUNT. */
export function isTransactionAmount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 && n <= MAX_TRANSACTION_AMOUNT;
}

/** What a caller is told when an amount is not a transaction's. */
export const TRANSACTION_AMOUNT_RULE = `a whole number of VND from 1 to ${MAX_TRANSACTION_AMOUNT.toLocaleString('en-US')}`;
