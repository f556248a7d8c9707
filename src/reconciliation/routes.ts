import { createRoute, z } from '@hono/zod-openapi';
import { actorOf, assertMay, assertRole, assertVisible, mayManageUnit } from '../auth/principal.js';
import { invalid } from '../http/errors.js';
import { bearerSecurity, errorResponses, iso, isoOrNull, jsonBody, jsonContent } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { idempotency } from '../idempotency/middleware.js';
import { getPaymentRequest } from '../payment-requests/store.js';
import { pgArray } from '../transactions/record.js';
import {
  type Allocation,
  allocateByHand,
  getTransaction,
  getTransactionDetail,
  ignoreByHand,
  listTransactions,
  type Transaction,
} from '../transactions/store.js';
import { getUnit } from '../units/store.js';
import { allocateBody, ignoreBody, listQuery, transactionDetailSchema, transactionSchema } from './schema.js';

const tags = ['Transactions'];

export function toTransactionResponse(t: Transaction) {
  return {
    id: t.id,
    status: t.status as z.infer<typeof transactionSchema>['status'],
    direction: t.direction as 'in' | 'out',
    accountNumber: t.accountNumber,
    bankBin: t.bankBin,
    amount: t.amount,
    memo: t.memo,
    referenceCodes: pgArray(t.referenceCodes as string[] | string),
    bookedAt: iso(t.bookedAt),
    bookedDateOnly: t.bookedDateOnly,
    counterpartyAccount: t.counterpartyAccount,
    counterpartyName: t.counterpartyName,
    bankReference: t.bankReference,
    allocatedAmount: t.allocatedAmount,
    unallocatedAmount: t.direction === 'in' ? t.amount - t.allocatedAmount : 0,
    refundDue: t.refundDue,
    refundAmount: t.refundAmount,
    ignoreReason: t.ignoreReason,
    payeeId: t.payeeId,
    unitCode: t.unitCode,
    confirmedByStatement: t.confirmedByStatement,
    createdAt: iso(t.createdAt),
  };
}

const toAllocationResponse = (a: Allocation) => ({
  id: a.id,
  kind: a.kind as 'request' | 'market_sale',
  paymentRequestId: a.paymentRequestId,
  payeeId: a.payeeId,
  amount: a.amount,
  refundDue: a.refundDue,
  channel: a.channel,
  source: a.source as 'auto' | 'manual',
  actor: a.actor,
  createdAt: iso(a.createdAt),
  reversedAt: isoOrNull(a.reversedAt),
});

/** A transaction's scope: its payee's unit (unknown receiving account → only admins see it). */
const scopeOf = (t: Transaction) => ({ ...t, unitPath: t.unitPath ?? '\u0000', payeeId: t.payeeId });

const idParam = z.object({ id: z.string().max(64) });

const listRoute = createRoute({
  method: 'get',
  path: '/transactions',
  tags,
  summary: 'Transactions the key may see (review queue: status=unmatched, flagged: duplicate/overpaid)',
  security: bearerSecurity,
  request: { query: listQuery },
  responses: {
    200: jsonContent(z.object({ items: z.array(transactionSchema) }), 'Transactions'),
    ...errorResponses,
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/transactions/{id}',
  tags,
  summary: 'A transaction with its raw provider payload(s), allocations and audit history',
  security: bearerSecurity,
  request: { params: idParam },
  responses: { 200: jsonContent(transactionDetailSchema, 'The transaction'), ...errorResponses },
});

const allocateRoute = createRoute({
  method: 'post',
  path: '/transactions/{id}/allocate',
  tags,
  summary: 'Allocate (part of) a transaction to a payment request by hand; split across requests allowed',
  security: bearerSecurity,
  request: { params: idParam, body: jsonBody(allocateBody) },
  // A retried allocation with the same Idempotency-Key is answered once and done once.
  middleware: [idempotency()] as const,
  responses: { 201: jsonContent(transactionDetailSchema, 'Allocated'), ...errorResponses },
});

const ignoreRoute = createRoute({
  method: 'post',
  path: '/transactions/{id}/ignore',
  tags,
  summary: 'Set a transaction aside with a reason',
  security: bearerSecurity,
  request: { params: idParam, body: jsonBody(ignoreBody) },
  middleware: [idempotency()] as const,
  responses: { 200: jsonContent(transactionDetailSchema, 'Ignored'), ...errorResponses },
});

const VN_OFFSET = '+07:00';
const dayStart = (d: string) => new Date(`${d}T00:00:00${VN_OFFSET}`);
const nextDayStart = (d: string) => new Date(dayStart(d).getTime() + 86_400_000);

async function detail(db: Parameters<typeof getTransactionDetail>[0], t: Transaction) {
  const d = await getTransactionDetail(db, t);
  return {
    ...toTransactionResponse(t),
    sources: d.sources.map((s) => ({ ...s, receivedAt: iso(s.receivedAt) })),
    allocations: d.allocations.map(toAllocationResponse),
    history: d.history.map((h) => ({ actor: h.actor, action: h.action, at: iso(h.at), details: h.details })),
  };
}

export const transactionRoutes = createRouter()
  .openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const { db } = c.var.deps;
    let unitPath: string | undefined;
    if (q.unitCode) {
      const unit = await getUnit(db, q.unitCode);
      if (!unit) return c.json({ items: [] }, 200);
      unitPath = unit.path;
    }
    const rows = await listTransactions(db, c.var.principal, {
      status: q.status,
      unitPath,
      payeeId: q.payeeId,
      refundDue: q.refundDue,
      from: q.from ? dayStart(q.from) : undefined,
      to: q.to ? nextDayStart(q.to) : undefined,
      limit: q.limit,
      offset: q.offset,
    });
    return c.json({ items: rows.map(toTransactionResponse) }, 200);
  })
  .openapi(getRoute, async (c) => {
    const { db } = c.var.deps;
    const t = await getTransaction(db, c.req.valid('param').id);
    assertVisible(c.var.principal, 'Transaction', t && scopeOf(t));
    return c.json(await detail(db, t!), 200);
  })
  .openapi(allocateRoute, async (c) => {
    const p = c.var.principal;
    const { db } = c.var.deps;
    const t = await getTransaction(db, c.req.valid('param').id);
    assertVisible(p, 'Transaction', t && scopeOf(t));
    assertRole(p, 'admin', 'staff');
    assertMay(t!.unitPath === null ? p.role === 'admin' : mayManageUnit(p, t!.unitPath));
    const body = c.req.valid('json');
    const request = await getPaymentRequest(db, body.paymentRequestId);
    if (!request || !mayManageUnit(p, request.unitPath)) {
      throw invalid('unknown_payment_request', 'Payment request not found');
    }
    await allocateByHand(db, {
      transactionId: t!.id,
      paymentRequestId: request.id,
      amount: body.amount,
      actor: actorOf(p),
    });
    return c.json(await detail(db, (await getTransaction(db, t!.id))!), 201);
  })
  .openapi(ignoreRoute, async (c) => {
    const p = c.var.principal;
    const { db } = c.var.deps;
    const t = await getTransaction(db, c.req.valid('param').id);
    assertVisible(p, 'Transaction', t && scopeOf(t));
    assertRole(p, 'admin', 'staff');
    assertMay(t!.unitPath === null ? p.role === 'admin' : mayManageUnit(p, t!.unitPath));
    await ignoreByHand(db, { transactionId: t!.id, reason: c.req.valid('json').reason, actor: actorOf(p) });
    return c.json(await detail(db, (await getTransaction(db, t!.id))!), 200);
  });
