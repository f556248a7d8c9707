import { z } from '@hono/zod-openapi';
import { unitCode } from '../units/schema.js';

export const payeeKinds = ['market_vendor', 'school', 'utility', 'public_service', 'other'] as const;
export type PayeeKind = (typeof payeeKinds)[number];

export const accountNumber = z
  .string()
  .regex(/^[A-Za-z0-9]{1,19}$/, '1–19 letters or digits (VietQR field limit)')
  .openapi({ example: '0123499999' });

export const createPayeeBody = z
  .strictObject({
    kind: z.enum(payeeKinds),
    name: z.string().trim().min(1).max(200),
    unitCode,
    bankBin: z
      .string()
      .regex(/^\d{6}$/, 'six digits')
      .openapi({ example: '970436' }),
    accountNumber,
    accountName: z.string().trim().min(1).max(100),
    stallNo: z.string().trim().min(1).max(20).optional(),
    virtualAccount: accountNumber.optional(),
  })
  .openapi('CreatePayee');

export const payeeSchema = z
  .object({
    id: z.string(),
    kind: z.enum(payeeKinds),
    name: z.string(),
    unitCode: z.string(),
    bankBin: z.string(),
    bankShortName: z.string(),
    accountNumber: z.string(),
    accountName: z.string(),
    stallNo: z.string().nullable(),
    virtualAccount: z.string().nullable(),
    createdAt: z.string(),
    staticQr: z.object({ payload: z.string() }),
  })
  .openapi('Payee');
