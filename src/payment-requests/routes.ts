import { createHash } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { actorOf, assertVisible } from '../auth/principal.js';
import { toCashPaymentResponse } from '../cash-payments/response.js';
import { cashPaymentSchema } from '../cash-payments/schema.js';
import { listCashPaymentsForRequest } from '../cash-payments/store.js';
import type { AppEnv } from '../http/context.js';
import { conflict } from '../http/errors.js';
import { bearerSecurity, errorResponses, iso, jsonBody, jsonContent, pageQuery } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { idempotency } from '../idempotency/middleware.js';
import { listAllocationsForRequest } from '../transactions/store.js';
import { batchRoutes } from './batch-routes.js';
import { dayBound } from './dates.js';
import { requestQrPng, requestQrSvg } from './qr.js';
import { toPaymentRequestResponse } from './response.js';
import {
  createPaymentRequestBody,
  idFilter,
  paymentCategories,
  paymentRequestSchema,
  paymentRequestStatus,
  statusEventSchema,
  summaryGroupBy,
} from './schema.js';
import { cancelPaymentRequest, createPaymentRequest, type Issuer } from './service.js';
import { type PaymentRequestStatus, paymentRequestStatuses, terminalStatuses } from './status.js';
import {
  getPaymentRequest,
  getRequestQrSource,
  listPaymentRequests,
  listStatusEvents,
  type PaymentRequestFilter,
  summarizePaymentRequests,
} from './store.js';

const tags = ['Payment requests'];

export const issuerOf = (c: Context<AppEnv>): Issuer => ({
  principal: c.var.principal,
  actor: actorOf(c.var.principal),
});

const idParam = z.object({ id: z.string().max(64) });
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day YYYY-MM-DD')
  .refine((d) => dayBound(d, 'from') !== undefined, 'a day that exists');
const statusList = z
  .string()
  .regex(
    new RegExp(`^(${paymentRequestStatuses.join('|')})(,(${paymentRequestStatuses.join('|')}))*$`),
    'statuses, comma-separated',
  )
  .openapi({ example: 'open,partially_paid' });

export const requestFilterQuery = {
  payeeId: idFilter.optional(),
  status: statusList.optional(),
  category: z.enum(paymentCategories).optional(),
  payerGroup: z.string().max(64).optional(),
  payerRef: z.string().max(64).optional(),
  householdCode: z.string().max(40).optional(),
  batchId: idFilter.optional(),
  from: day.optional().openapi({ description: 'Created on or after this day (Asia/Ho_Chi_Minh)' }),
  to: day.optional().openapi({ description: 'Created on or before this day (Asia/Ho_Chi_Minh)' }),
};

type FilterQuery = { [K in keyof typeof requestFilterQuery]?: string };

export function toFilter(q: FilterQuery): PaymentRequestFilter {
  return {
    payeeId: q.payeeId,
    status: q.status?.split(',') as PaymentRequestStatus[] | undefined,
    category: q.category,
    payerGroup: q.payerGroup,
    payerRef: q.payerRef,
    householdCode: q.householdCode,
    batchId: q.batchId,
    from: q.from ? dayBound(q.from, 'from') : undefined,
    to: q.to ? dayBound(q.to, 'to') : undefined,
  };
}

const totals = z
  .object({ count: z.number(), amount: z.number(), paidAmount: z.number() })
  .openapi('RequestTotals');
const summarySchema = z
  .object({
    groupBy: z.enum(summaryGroupBy),
    total: totals,
    groups: z.array(
      z.object({
        key: z.string().nullable(),
        total: totals,
        byStatus: z.partialRecord(paymentRequestStatus, totals),
      }),
    ),
  })
  .openapi('PaymentRequestSummary');

const allocationSchema = z
  .object({
    id: z.string(),
    transactionId: z.string(),
    amount: z.number().int(),
    channel: z.string(),
    source: z.enum(['auto', 'manual']).or(z.string()),
    refundDue: z.boolean(),
    bookedAt: z.string(),
    createdAt: z.string(),
    reversedAt: z.string().nullable(),
  })
  .openapi('RequestAllocation');

const detailSchema = paymentRequestSchema
  .extend({
    allocations: z.array(allocationSchema),
    history: z.array(statusEventSchema),
    cashPayments: z.array(cashPaymentSchema),
  })
  .openapi('PaymentRequestDetail');

const createRequestRoute = createRoute({
  method: 'post',
  path: '/payment-requests',
  tags,
  summary: 'Issue a payment request (a fee or bill) with its dynamic VietQR',
  description:
    'Gets a reference code, carried first in the QR purpose so the bank memo brings it back. ' +
    'Sending it again with the same `externalId` returns the stored request (200). Supports `Idempotency-Key`.',
  security: bearerSecurity,
  middleware: [idempotency()] as const,
  request: { body: jsonBody(createPaymentRequestBody) },
  responses: {
    201: jsonContent(paymentRequestSchema, 'Created'),
    200: jsonContent(paymentRequestSchema, 'Already stored under this externalId'),
    ...errorResponses,
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/payment-requests',
  tags,
  summary: 'Payment requests the key may see, filtered',
  security: bearerSecurity,
  request: { query: z.object({ ...requestFilterQuery, ...pageQuery }) },
  responses: {
    200: jsonContent(z.object({ items: z.array(paymentRequestSchema) }), 'Newest first'),
    ...errorResponses,
  },
});

const summaryRoute = createRoute({
  method: 'get',
  path: '/payment-requests/summary',
  tags,
  summary: 'Counts and amounts by status, per class (payer group), category, status or batch',
  security: bearerSecurity,
  request: {
    query: z.object({ ...requestFilterQuery, groupBy: z.enum(summaryGroupBy).default('payerGroup') }),
  },
  responses: { 200: jsonContent(summarySchema, 'Totals per group'), ...errorResponses },
});

const getRoute = createRoute({
  method: 'get',
  path: '/payment-requests/{id}',
  tags,
  summary: 'A payment request with its status history and cash payments',
  security: bearerSecurity,
  request: { params: idParam },
  responses: { 200: jsonContent(detailSchema, 'The request'), ...errorResponses },
});

const historyRoute = createRoute({
  method: 'get',
  path: '/payment-requests/{id}/history',
  tags,
  summary: 'Status history: from → to, who or what, when',
  security: bearerSecurity,
  request: { params: idParam },
  responses: {
    200: jsonContent(z.object({ items: z.array(statusEventSchema) }), 'Oldest first'),
    ...errorResponses,
  },
});

const cancelRoute = createRoute({
  method: 'post',
  path: '/payment-requests/{id}/cancel',
  tags,
  summary: 'Cancel a request nothing has been paid on',
  description:
    'Open or expired requests only (409 `cannot_cancel` once money is on it). Cancelling twice is not an error.',
  security: bearerSecurity,
  request: {
    params: idParam,
    body: {
      required: false,
      content: {
        'application/json': {
          schema: z.strictObject({ reason: z.string().trim().min(1).max(500).optional() }),
        },
      },
    },
  },
  responses: { 200: jsonContent(paymentRequestSchema, 'Cancelled'), ...errorResponses },
});

const imageResponses = (type: string) => ({
  200: { description: 'The QR image', content: { [type]: { schema: z.string() } } },
  304: { description: 'Not modified (ETag)' },
  ...errorResponses,
});

const qrSvgRoute = createRoute({
  method: 'get',
  path: '/payment-requests/{id}/qr.svg',
  tags,
  summary: 'The request’s VietQR as SVG',
  security: bearerSecurity,
  request: { params: idParam },
  responses: imageResponses('image/svg+xml'),
});

const qrPngRoute = createRoute({
  method: 'get',
  path: '/payment-requests/{id}/qr.png',
  tags,
  summary: 'The request’s VietQR as PNG',
  security: bearerSecurity,
  request: {
    params: idParam,
    query: z.object({
      scale: z.coerce.number().int().min(1).max(20).default(8).openapi({ description: 'Pixels per module' }),
    }),
  },
  responses: imageResponses('image/png'),
});

async function visibleRequest(c: Context<AppEnv>, id: string) {
  return assertVisible(c.var.principal, 'Payment request', await getPaymentRequest(c.var.deps.db, id));
}

/**
 * How long a request's QR source (payload, status, scope) is kept between database reads. A bill
 * cancelled through this process stops showing at once (the cancel route forgets it); one cancelled
 * through another API process, or expired by the job, within this time. Measured (npm run bench, cached
 * request PNG): reading it every time cost about half of the API's CPU per image.
 */
export const REQUEST_QR_SOURCE_TTL_MS = 1_000;
const qrSourceKey = (id: string) => `request:${id}`;

/** QR images of a request that can still be paid: a cancelled or expired bill's code is refused. */
async function qrImage(c: Context<AppEnv>, id: string, type: 'svg' | 'png', scale = 8) {
  const { db, qrImages } = c.var.deps;
  const source = await qrImages.source(qrSourceKey(id), () => getRequestQrSource(db, id), {
    ttlMs: REQUEST_QR_SOURCE_TTL_MS,
  });
  const request = assertVisible(c.var.principal, 'Payment request', source);
  if (terminalStatuses.has(request.status)) {
    throw conflict('request_not_payable', `Payment request ${request.reference} is ${request.status}`, {
      status: request.status,
    });
  }
  const etag = `"${createHash('sha256').update(`${type}:${scale}:${request.payload}`).digest('base64url').slice(0, 22)}"`;
  const headers = { ETag: etag, 'Cache-Control': 'private, no-cache' };
  if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
  if (type === 'svg') {
    return c.body(await requestQrSvg(request.payload, qrImages), 200, {
      ...headers,
      'Content-Type': 'image/svg+xml; charset=utf-8',
    });
  }
  const png = await requestQrPng(request.payload, scale, qrImages);
  return c.body(png as Uint8Array<ArrayBuffer>, 200, { ...headers, 'Content-Type': 'image/png' });
}

function toEvent(e: Awaited<ReturnType<typeof listStatusEvents>>[number]) {
  return {
    from: e.fromStatus as PaymentRequestStatus | null,
    to: e.toStatus as PaymentRequestStatus,
    actor: e.actor,
    source: e.source,
    paidAmount: e.paidAmount,
    ...(e.details === null ? {} : { details: e.details }),
    at: iso(e.at),
  };
}

const requestRoutes = createRouter()
  .openapi(createRequestRoute, async (c) => {
    const { db, clock, requestInserter, payeeLoader } = c.var.deps;
    const { request, created } = await createPaymentRequest(
      db,
      issuerOf(c),
      c.req.valid('json'),
      clock.now(),
      {
        inserter: requestInserter.forDb(db),
        payees: payeeLoader.forDb(db),
      },
    );
    const body = toPaymentRequestResponse(request);
    return created ? c.json(body, 201) : c.json(body, 200);
  })
  .openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const rows = await listPaymentRequests(c.var.deps.db, c.var.principal, {
      ...toFilter(q),
      limit: q.limit,
      offset: q.offset,
    });
    return c.json({ items: rows.map(toPaymentRequestResponse) }, 200);
  })
  .openapi(summaryRoute, async (c) => {
    const q = c.req.valid('query');
    const summary = await summarizePaymentRequests(c.var.deps.db, c.var.principal, toFilter(q), q.groupBy);
    return c.json({ groupBy: q.groupBy, ...summary }, 200);
  })
  .openapi(getRoute, async (c) => {
    const request = await visibleRequest(c, c.req.valid('param').id);
    const { db } = c.var.deps;
    const [allocs, history, cash] = await Promise.all([
      listAllocationsForRequest(db, request.id),
      listStatusEvents(db, request.id),
      listCashPaymentsForRequest(db, request.id),
    ]);
    return c.json(
      {
        ...toPaymentRequestResponse(request),
        allocations: allocs.map((a) => ({
          ...a,
          bookedAt: a.bookedAt.toISOString(),
          createdAt: a.createdAt.toISOString(),
          reversedAt: a.reversedAt?.toISOString() ?? null,
        })),
        history: history.map(toEvent),
        cashPayments: cash.map(toCashPaymentResponse),
      },
      200,
    );
  })
  .openapi(historyRoute, async (c) => {
    const request = await visibleRequest(c, c.req.valid('param').id);
    const history = await listStatusEvents(c.var.deps.db, request.id);
    return c.json({ items: history.map(toEvent) }, 200);
  })
  .openapi(cancelRoute, async (c) => {
    const body = c.req.valid('json') as { reason?: string };
    const id = c.req.valid('param').id;
    const request = await cancelPaymentRequest(c.var.deps.db, issuerOf(c), id, body.reason);
    c.var.deps.qrImages.forget(qrSourceKey(id));
    return c.json(toPaymentRequestResponse(request), 200);
  })
  .openapi(qrSvgRoute, (c) => qrImage(c, c.req.valid('param').id, 'svg'))
  .openapi(qrPngRoute, (c) => qrImage(c, c.req.valid('param').id, 'png', c.req.valid('query').scale));

/** Batch routes first: their static paths (/batch, /batches/…, /summary) must win over /{id}. */
export const paymentRequestRoutes = createRouter().route('/', batchRoutes).route('/', requestRoutes);
