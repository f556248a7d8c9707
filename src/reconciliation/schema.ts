import { z } from '@hono/zod-openapi';
import { MAX_TRANSACTION_AMOUNT } from '../transactions/amount.js';
import { transactionStatuses } from '../transactions/store.js';

export const transactionSchema = z
  .object({
    id: z.string(),
    status: z.enum(transactionStatuses),
    direction: z.enum(['in', 'out']),
    accountNumber: z.string(),
    bankBin: z.string().nullable(),
    amount: z.number().int(),
    memo: z.string(),
    referenceCodes: z.array(z.string()),
    bookedAt: z.string(),
    bookedDateOnly: z.boolean(),
    counterpartyAccount: z.string().nullable(),
    counterpartyName: z.string().nullable(),
    bankReference: z.string().nullable(),
    allocatedAmount: z.number().int(),
    unallocatedAmount: z.number().int(),
    refundDue: z
      .boolean()
      .openapi({ description: 'Money to give back (duplicate, expired/cancelled request, excess)' }),
    refundAmount: z.number().int(),
    ignoreReason: z.string().nullable(),
    payeeId: z.string().nullable(),
    unitCode: z.string().nullable(),
    confirmedByStatement: z.boolean(),
    createdAt: z.string(),
  })
  .openapi('Transaction');

export const allocationSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['request', 'market_sale']),
    paymentRequestId: z.string().nullable(),
    payeeId: z.string(),
    amount: z.number().int(),
    refundDue: z.boolean(),
    channel: z.string(),
    source: z.enum(['auto', 'manual']),
    actor: z.string(),
    createdAt: z.string(),
    reversedAt: z.string().nullable(),
  })
  .openapi('Allocation');

export const transactionDetailSchema = transactionSchema
  .extend({
    sources: z.array(
      z.object({
        channel: z.string(),
        sourceRef: z.string(),
        receivedAt: z.string(),
        raw: z.string().openapi({ description: 'The provider payload verbatim, or the statement line' }),
      }),
    ),
    allocations: z.array(allocationSchema),
    history: z.array(
      z.object({ actor: z.string(), action: z.string(), at: z.string(), details: z.unknown() }),
    ),
  })
  .openapi('TransactionDetail');

export const allocateBody = z.strictObject({
  paymentRequestId: z.uuid(),
  amount: z.number().int().positive().max(MAX_TRANSACTION_AMOUNT).optional(),
});

export const ignoreBody = z.strictObject({ reason: z.string().trim().min(3).max(500) });

const day = z.iso.date();
export const listQuery = z.object({
  status: z.enum(transactionStatuses).optional(),
  unitCode: z.string().max(64).optional(),
  payeeId: z.uuid().optional(),
  /** Only transactions flagged for a refund (duplicates, overpayments, payments to expired/cancelled requests). */
  refundDue: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  from: day.optional(),
  to: day.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});
