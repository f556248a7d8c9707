import { iso } from '../http/openapi.js';
import type { PaymentCategory } from '../payment-requests/schema.js';
import type { CashPayment } from './store.js';

export function toCashPaymentResponse(c: CashPayment) {
  return {
    id: c.id,
    payeeId: c.payeeId,
    unitCode: c.unitCode,
    amount: c.amount,
    category: c.category as PaymentCategory,
    paidAt: iso(c.paidAt),
    householdCode: c.householdCode,
    payerRef: c.payerRef,
    paymentRequestId: c.paymentRequestId,
    saleCount: c.saleCount,
    note: c.note,
    createdBy: c.createdBy,
    createdAt: iso(c.createdAt),
  };
}
