import { z } from '@hono/zod-openapi';
import { householdCode } from '../units/schema.js';
import { MAX_PAYMENT_AMOUNT } from './amount.js';
import { EXPIRY_FORMATS, parseExpiry } from './dates.js';
import { paymentRequestStatuses } from './status.js';

export const paymentCategories = [
  'school_fee',
  'electricity',
  'water',
  'environment_fee',
  'public_service_fee',
  'market',
  'other',
] as const;
export type PaymentCategory = (typeof paymentCategories)[number];

export const amountVnd = z
  .number()
  .int('a whole number of VND')
  .positive('more than 0 VND')
  .max(
    MAX_PAYMENT_AMOUNT,
    `at most ${MAX_PAYMENT_AMOUNT} VND, what one VietQR (NAPAS 247) transfer may carry`,
  )
  .openapi({ example: 1_500_000 });

export const expiresAt = z
  .string()
  .refine((s) => parseExpiry(s) !== undefined, EXPIRY_FORMATS)
  .openapi({
    example: '2026-09-30',
    description: `When it stops being payable: ${EXPIRY_FORMATS} (end of that day in Asia/Ho_Chi_Minh)`,
  });

const text = (max: number) => z.string().trim().min(1).max(max);

/** An id in a query filter: malformed ones are a 400, not a database error. */
export const idFilter = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'an id (UUID)');

/** The fields of one fee, shared by a single request and each row of a batch. */
export const feeItemFields = {
  amount: amountVnd,
  category: z.enum(paymentCategories),
  purpose: text(200).optional().openapi({ example: 'Học phí tháng 9' }),
  payerRef: text(64).optional().openapi({ example: 'HS0001', description: 'Student code, meter number, …' }),
  payerName: text(200).optional().openapi({ example: 'Nguyễn Văn An' }),
  payerGroup: text(64)
    .optional()
    .openapi({ example: '6A', description: 'Class, meter route: the per-group view groups by it' }),
  householdCode: householdCode.optional(),
  expiresAt: expiresAt.optional(),
  externalId: text(128).optional().openapi({
    description: 'Your id for this request, unique per payee: sending it again finds the stored one',
  }),
};

export const createPaymentRequestBody = z
  .strictObject({ payeeId: z.string().max(64).optional(), ...feeItemFields })
  .openapi('CreatePaymentRequest');

/** One batch row; the category and expiry may come from the batch instead. */
export const feeItemSchema = z
  .strictObject({ ...feeItemFields, category: feeItemFields.category.optional() })
  .openapi('PaymentRequestItem');
export type FeeItemInput = z.infer<typeof feeItemSchema>;

export const batchJsonBody = z
  .strictObject({
    payeeId: z.string().max(64).optional().openapi({ description: 'Defaults to the key’s own payee' }),
    category: z.enum(paymentCategories).optional().openapi({ description: 'For items without their own' }),
    expiresAt: expiresAt.optional(),
    items: z.array(z.record(z.string(), z.unknown())).min(1).max(10_000).openapi({
      description: 'Each item is checked on its own (PaymentRequestItem): a bad one does not stop the others',
    }),
  })
  .openapi('PaymentRequestBatch');

export const batchCsvQuery = z.object({
  payeeId: z.string().max(64).optional(),
  category: z.enum(paymentCategories).optional(),
  expiresAt: expiresAt.optional(),
});

export const paymentRequestStatus = z.enum(paymentRequestStatuses);

export const paymentRequestSchema = z
  .object({
    id: z.string(),
    reference: z.string().openapi({ example: 'CC4KXP7RMH' }),
    payeeId: z.string(),
    unitCode: z.string(),
    amount: z.number(),
    paidAmount: z.number(),
    outstanding: z.number(),
    category: z.enum(paymentCategories),
    purpose: z.string().nullable(),
    payerRef: z.string().nullable(),
    payerName: z.string().nullable(),
    payerGroup: z.string().nullable(),
    householdCode: z.string().nullable(),
    externalId: z.string().nullable(),
    batchId: z.string().nullable(),
    status: paymentRequestStatus,
    payload: z.string().openapi({ description: 'The dynamic VietQR payload' }),
    qrPurpose: z.string().openapi({ description: 'What the QR asks the bank to put in the memo' }),
    expiresAt: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('PaymentRequest');

export const statusEventSchema = z
  .object({
    from: paymentRequestStatus.nullable(),
    to: paymentRequestStatus,
    actor: z.string(),
    source: z.string(),
    paidAmount: z.number(),
    details: z.unknown().optional(),
    at: z.string(),
  })
  .openapi('PaymentRequestStatusEvent');

export const rowResultSchema = z
  .object({
    row: z
      .number()
      .openapi({ description: 'CSV: the line in the file (header = 1); JSON: the item’s position from 1' }),
    status: z.enum(['created', 'exists', 'error']),
    id: z.string().optional(),
    reference: z.string().optional(),
    batchId: z
      .string()
      .optional()
      .openapi({ description: 'For `exists`: the batch the stored request came in' }),
    error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }).optional(),
  })
  .openapi('PaymentRequestRowResult');

export const batchResultSchema = z
  .object({
    batchId: z.string(),
    payeeId: z.string(),
    rows: z.number(),
    created: z.number(),
    existing: z.number(),
    failed: z.number(),
    columns: z.record(z.string(), z.string()).optional(),
    ignoredColumns: z.array(z.string()).optional(),
    results: z.array(rowResultSchema),
    links: z.object({ slips: z.string(), export: z.string() }),
  })
  .openapi('PaymentRequestBatchResult');

export const summaryGroupBy = ['payerGroup', 'category', 'status', 'batchId'] as const;
