import { createRoute, z } from '@hono/zod-openapi';
import { actorOf, assertVisible } from '../auth/principal.js';
import { bearerSecurity, errorResponses, jsonBody, jsonContent, pageQuery } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { idempotency } from '../idempotency/middleware.js';
import { dayBound } from '../payment-requests/dates.js';
import { toPaymentRequestResponse } from '../payment-requests/response.js';
import { idFilter, paymentCategories, paymentRequestSchema } from '../payment-requests/schema.js';
import { toCashPaymentResponse } from './response.js';
import { cashPaymentSchema, createCashPaymentBody } from './schema.js';
import { recordCashPayment } from './service.js';
import { type CashFilter, getCashPayment, listCashPayments, totalCashPayments } from './store.js';

const tags = ['Cash payments'];

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day YYYY-MM-DD')
  .refine((d) => dayBound(d, 'from') !== undefined, 'a day that exists');

const createRoute_ = createRoute({
  method: 'post',
  path: '/cash-payments',
  tags,
  summary: 'Record cash taken (a bill paid in cash, or a vendor’s takings)',
  description:
    'With `paymentRequestId` it pays that request in cash: amount defaults to what is still owed, category and ' +
    'payer come from the request; more than is owed is refused (`cash_exceeds_outstanding`: give change). ' +
    'A vendor records a day’s takings in one entry with `saleCount`. Supports `Idempotency-Key`.',
  security: bearerSecurity,
  middleware: [idempotency()] as const,
  request: { body: jsonBody(createCashPaymentBody) },
  responses: {
    201: jsonContent(
      cashPaymentSchema.extend({ paymentRequest: paymentRequestSchema.optional() }),
      'Recorded (with the request it paid)',
    ),
    ...errorResponses,
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/cash-payments',
  tags,
  summary: 'Cash payments the key may see, with totals over the whole filter',
  security: bearerSecurity,
  request: {
    query: z.object({
      payeeId: idFilter.optional(),
      category: z.enum(paymentCategories).optional(),
      householdCode: z.string().max(40).optional(),
      paymentRequestId: idFilter.optional(),
      from: day.optional().openapi({ description: 'Paid on or after this day (Asia/Ho_Chi_Minh)' }),
      to: day.optional().openapi({ description: 'Paid on or before this day (Asia/Ho_Chi_Minh)' }),
      ...pageQuery,
    }),
  },
  responses: {
    200: jsonContent(
      z.object({
        items: z.array(cashPaymentSchema),
        totals: z.object({ entries: z.number(), sales: z.number(), amount: z.number() }),
      }),
      'Latest first',
    ),
    ...errorResponses,
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/cash-payments/{id}',
  tags,
  summary: 'A cash payment',
  security: bearerSecurity,
  request: { params: z.object({ id: z.string().max(64) }) },
  responses: { 200: jsonContent(cashPaymentSchema, 'The cash payment'), ...errorResponses },
});

export const cashPaymentRoutes = createRouter()
  .openapi(createRoute_, async (c) => {
    const { db, clock } = c.var.deps;
    const issuer = { principal: c.var.principal, actor: actorOf(c.var.principal) };
    const { cash, request } = await recordCashPayment(db, issuer, c.req.valid('json'), clock.now());
    return c.json(
      {
        ...toCashPaymentResponse(cash),
        ...(request ? { paymentRequest: toPaymentRequestResponse(request) } : {}),
      },
      201,
    );
  })
  .openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const filter: CashFilter = {
      payeeId: q.payeeId,
      category: q.category,
      householdCode: q.householdCode,
      paymentRequestId: q.paymentRequestId,
      from: q.from ? dayBound(q.from, 'from') : undefined,
      to: q.to ? dayBound(q.to, 'to') : undefined,
    };
    const { db } = c.var.deps;
    const [items, totals] = await Promise.all([
      listCashPayments(db, c.var.principal, { ...filter, limit: q.limit, offset: q.offset }),
      totalCashPayments(db, c.var.principal, filter),
    ]);
    return c.json({ items: items.map(toCashPaymentResponse), totals }, 200);
  })
  .openapi(getRoute, async (c) => {
    const found = await getCashPayment(c.var.deps.db, c.req.valid('param').id);
    return c.json(toCashPaymentResponse(assertVisible(c.var.principal, 'Cash payment', found)), 200);
  });
