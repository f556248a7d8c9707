/**
 * Recording cash. Cash is the denominator of every cashless ratio, so recording it must be quick: with
 * a payment request, only its id is needed (amount = what is still owed, category and payer from the
 * request, time = now); a vendor records a day's takings as one entry with `saleCount`.
 *
 * Over-payment in cash is refused (422 cash_exceeds_outstanding): the cashier has the payer in front
 * of them and gives change, so cash above what is owed is a typing error (an extra zero), not money
 * to hold for a refund. A bank transfer can over-pay (the payer typed the amount elsewhere); cash cannot.
 */

import { recordAudit } from '../audit/store.js';
import { canSee } from '../auth/principal.js';
import type { DbOrTx } from '../db/client.js';
import { conflict, invalid } from '../http/errors.js';
import { recordPaymentFact } from '../metrics/facts.js';
import { type Issuer, resolvePayee, visibleHouseholds } from '../payment-requests/service.js';
import { outstanding, terminalStatuses } from '../payment-requests/status.js';
import {
  applyPaymentToRequest,
  getPaymentRequest,
  getPaymentRequestForUpdate,
  type PaymentRequest,
} from '../payment-requests/store.js';
import { type CashPayment, cashPaymentFact, getCashPayment, insertCashPayment } from './store.js';

/** How far ahead of our clock a device's `paidAt` may be (phones drift) before it reads as a mistake. */
export const PAID_AT_SKEW_MS = 5 * 60 * 1000;

export type CashInput = {
  payeeId?: string;
  amount?: number;
  category?: string;
  paidAt?: string;
  householdCode?: string;
  payerRef?: string;
  paymentRequestId?: string;
  saleCount?: number;
  note?: string;
};

export async function recordCashPayment(
  db: DbOrTx,
  issuer: Issuer,
  input: CashInput,
  now: Date,
): Promise<{ cash: CashPayment; request?: PaymentRequest }> {
  const paidAt = input.paidAt ? new Date(input.paidAt) : now;
  if (paidAt.getTime() > now.getTime() + PAID_AT_SKEW_MS) {
    throw invalid('paid_at_in_future', 'paidAt is in the future', { paidAt: paidAt.toISOString() });
  }
  return db.transaction(async (tx) => {
    let request: PaymentRequest | undefined;
    if (input.paymentRequestId !== undefined) {
      const seen = await getPaymentRequest(tx, input.paymentRequestId);
      if (!seen || !canSee(issuer.principal, seen)) {
        throw invalid('unknown_payment_request', `Payment request ${input.paymentRequestId} not found`);
      }
      request = (await getPaymentRequestForUpdate(tx, seen.id))!;
      if (input.payeeId !== undefined && input.payeeId !== request.payeeId) {
        throw invalid(
          'payee_mismatch',
          `Payment request ${request.reference} is not for payee ${input.payeeId}`,
        );
      }
      if (input.category !== undefined && input.category !== request.category) {
        throw invalid('category_mismatch', `Payment request ${request.reference} is a ${request.category}`);
      }
      if (terminalStatuses.has(request.status)) {
        throw conflict('request_not_payable', `Payment request ${request.reference} is ${request.status}`, {
          status: request.status,
        });
      }
    }
    const payee = await resolvePayee(tx, issuer.principal, input.payeeId ?? request?.payeeId);

    let amount = input.amount;
    if (request) {
      const owed = outstanding(request.amount, request.paidAmount);
      if (owed === 0) {
        throw conflict('already_paid', `Payment request ${request.reference} is already ${request.status}`, {
          status: request.status,
        });
      }
      amount ??= owed;
      if (amount > owed) {
        throw invalid(
          'cash_exceeds_outstanding',
          `${amount} VND is more than the ${owed} VND still owed on ${request.reference}: give change, record what is owed`,
          { outstanding: owed },
        );
      }
    }

    const householdCode = input.householdCode ?? request?.householdCode ?? null;
    let unitCode = request?.unitCode ?? payee.unitCode;
    if (input.householdCode !== undefined) {
      const household = (await visibleHouseholds(tx, issuer.principal, payee, [input.householdCode])).get(
        input.householdCode,
      );
      if (!household) throw invalid('unknown_household', `Household ${input.householdCode} not found`);
      unitCode = household.unitCode;
    }

    const row = await insertCashPayment(tx, {
      payeeId: payee.id,
      unitCode,
      amount: amount!,
      category: input.category ?? request!.category,
      paidAt,
      householdCode,
      payerRef: input.payerRef ?? request?.payerRef ?? null,
      paymentRequestId: request?.id ?? null,
      saleCount: input.saleCount ?? 1,
      note: input.note ?? null,
      createdBy: issuer.actor,
    });
    if (request) {
      ({ request } = await applyPaymentToRequest(tx, {
        paymentRequestId: request.id,
        amount: row.amount,
        actor: issuer.actor,
        source: `cash:${row.id}`,
      }));
    }
    await recordPaymentFact(tx, cashPaymentFact({ ...row, payeeKind: payee.kind }));
    await recordAudit(tx, {
      actor: issuer.actor,
      action: 'cash_payment.record',
      subjectType: 'cash_payment',
      subjectId: row.id,
      details: {
        payeeId: payee.id,
        amount: row.amount,
        paymentRequestId: row.paymentRequestId,
        saleCount: row.saleCount,
      },
    });
    const cash = (await getCashPayment(tx, row.id))!;
    return request ? { cash, request } : { cash };
  });
}
