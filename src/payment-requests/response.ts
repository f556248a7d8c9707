import { iso, isoOrNull } from '../http/openapi.js';
import { qrPurpose } from './purpose.js';
import type { PaymentCategory } from './schema.js';
import { outstanding } from './status.js';
import type { PaymentRequest } from './store.js';

/** The API shape of a payment request (schema.ts `paymentRequestSchema`). */
export function toPaymentRequestResponse(r: PaymentRequest) {
  return {
    id: r.id,
    reference: r.reference,
    payeeId: r.payeeId,
    unitCode: r.unitCode,
    amount: r.amount,
    paidAmount: r.paidAmount,
    outstanding: outstanding(r.amount, r.paidAmount),
    category: r.category as PaymentCategory,
    purpose: r.purpose,
    payerRef: r.payerRef,
    payerName: r.payerName,
    payerGroup: r.payerGroup,
    householdCode: r.householdCode,
    externalId: r.externalId,
    batchId: r.batchId,
    status: r.status,
    payload: r.payload,
    qrPurpose: qrPurpose(r.reference, r.purpose),
    expiresAt: isoOrNull(r.expiresAt),
    createdBy: r.createdBy,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
}
