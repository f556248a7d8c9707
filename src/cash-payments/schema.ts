import { z } from '@hono/zod-openapi';
import { amountVnd, paymentCategories } from '../payment-requests/schema.js';
import { householdCode } from '../units/schema.js';

const instant = z
  .string()
  .refine(
    (s) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(s) &&
      !Number.isNaN(Date.parse(s)),
    'an ISO 8601 instant with its offset, e.g. 2026-09-05T08:30:00+07:00',
  )
  .openapi({ example: '2026-09-05T08:30:00+07:00' });

/** The most sales one entry may stand for: a busy stall's day is a few hundred. */
export const MAX_SALE_COUNT = 10_000;

export const createCashPaymentBody = z
  .strictObject({
    payeeId: z
      .string()
      .max(64)
      .optional()
      .openapi({ description: 'Defaults to the payment request’s payee, or to the key’s own payee' }),
    amount: amountVnd.optional().openapi({
      description: 'Required without paymentRequestId; with one, defaults to what is still owed',
    }),
    category: z
      .enum(paymentCategories)
      .optional()
      .openapi({ description: 'Required without paymentRequestId' }),
    paidAt: instant.optional().openapi({ description: 'When the cash was taken; defaults to now' }),
    householdCode: householdCode.optional(),
    payerRef: z.string().trim().min(1).max(64).optional(),
    paymentRequestId: z.string().max(64).optional(),
    saleCount: z.number().int().min(1).max(MAX_SALE_COUNT).optional().openapi({
      description: 'How many sales this entry stands for (a vendor’s day of takings in one entry); default 1',
    }),
    note: z.string().trim().min(1).max(500).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.paymentRequestId !== undefined) {
      if (b.saleCount !== undefined && b.saleCount !== 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['saleCount'],
          message: 'A payment request is paid in one sale',
        });
      }
      return;
    }
    if (b.amount === undefined)
      ctx.addIssue({ code: 'custom', path: ['amount'], message: 'Required without paymentRequestId' });
    if (b.category === undefined) {
      ctx.addIssue({ code: 'custom', path: ['category'], message: 'Required without paymentRequestId' });
    }
  })
  .openapi('CreateCashPayment');

export const cashPaymentSchema = z
  .object({
    id: z.string(),
    payeeId: z.string(),
    unitCode: z.string(),
    amount: z.number(),
    category: z.enum(paymentCategories),
    paidAt: z.string(),
    householdCode: z.string().nullable(),
    payerRef: z.string().nullable(),
    paymentRequestId: z.string().nullable(),
    saleCount: z.number(),
    note: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
  })
  .openapi('CashPayment');
