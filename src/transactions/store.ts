import { and, asc, desc, eq, gte, inArray, like, lt, type SQL, sql } from 'drizzle-orm';
import { recordAudit } from '../audit/store.js';
import { auditLog } from '../audit/tables.js';
import { type Principal, scopeFilter } from '../auth/principal.js';
import { type Db, type DbOrTx, queryRows, type Tx } from '../db/client.js';
import { conflict } from '../http/errors.js';
import { type PaymentFact, recordPaymentFact } from '../metrics/facts.js';
import { findPayeeByAccount, getPayee } from '../payees/store.js';
import { applyPaymentToRequest, getPaymentRequest } from '../payment-requests/store.js';
import { channelOf, paymentOutcome } from './match.js';
import { insertAllocation, lockTransaction } from './matcher.js';
import { allocations, transactionSources, transactions } from './tables.js';

export type Transaction = typeof transactions.$inferSelect;
export type Allocation = typeof allocations.$inferSelect;

export const transactionStatuses = [
  'pending',
  'matched',
  'partial',
  'overpaid',
  'duplicate',
  'unmatched',
  'ignored',
] as const;
export type TransactionStatus = (typeof transactionStatuses)[number];

export type TransactionFilter = {
  status?: TransactionStatus;
  unitPath?: string;
  payeeId?: string;
  refundDue?: boolean;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
};

export async function listTransactions(
  db: DbOrTx,
  principal: Principal,
  f: TransactionFilter,
): Promise<Transaction[]> {
  const conditions: (SQL | undefined)[] = [
    scopeFilter(principal, { unitPath: transactions.unitPath, payeeId: transactions.payeeId }),
    f.status ? eq(transactions.status, f.status) : undefined,
    f.unitPath ? like(transactions.unitPath, `${f.unitPath}%`) : undefined,
    f.payeeId ? eq(transactions.payeeId, f.payeeId) : undefined,
    f.refundDue !== undefined ? eq(transactions.refundDue, f.refundDue) : undefined,
    f.from ? gte(transactions.bookedAt, f.from) : undefined,
    f.to ? lt(transactions.bookedAt, f.to) : undefined,
  ];
  return db
    .select()
    .from(transactions)
    .where(and(...conditions))
    .orderBy(desc(transactions.bookedAt), asc(transactions.id))
    .limit(f.limit)
    .offset(f.offset);
}

export async function getTransaction(db: DbOrTx, id: string): Promise<Transaction | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const [row] = await db.select().from(transactions).where(eq(transactions.id, id));
  return row;
}

export type TransactionSource = {
  channel: string;
  sourceRef: string;
  receivedAt: Date;
  /** The provider's body verbatim, or the statement line as it was in the file. */
  raw: string;
};

export async function getTransactionDetail(db: DbOrTx, t: Transaction) {
  const sources = await queryRows<{
    channel: string;
    source_ref: string;
    received_at: string | Date;
    raw: string | null;
  }>(
    db,
    sql`select s.channel, s.source_ref, coalesce(e.received_at, s.created_at) as received_at,
          coalesce(e.raw_body, l.raw) as raw
        from transaction_sources s
        left join callback_events e on e.id = s.callback_event_id
        left join statement_lines l on l.id = s.statement_line_id
        where s.transaction_id = ${t.id} order by s.id`,
  );
  const allocs = await db
    .select()
    .from(allocations)
    .where(eq(allocations.transactionId, t.id))
    .orderBy(asc(allocations.createdAt), asc(allocations.id));
  const history = await db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.subjectType, 'transaction'), eq(auditLog.subjectId, t.id)))
    .orderBy(asc(auditLog.id));
  return {
    sources: sources.map((s) => ({
      channel: s.channel,
      sourceRef: s.source_ref,
      receivedAt: new Date(s.received_at),
      raw: s.raw ?? '',
    })),
    allocations: allocs,
    history,
  };
}

/** What paid a request: its allocations with the booked time of their transactions, oldest first. */
export async function listAllocationsForRequest(db: DbOrTx, paymentRequestId: string) {
  return db
    .select({
      id: allocations.id,
      transactionId: allocations.transactionId,
      amount: allocations.amount,
      channel: allocations.channel,
      source: allocations.source,
      refundDue: allocations.refundDue,
      createdAt: allocations.createdAt,
      reversedAt: allocations.reversedAt,
      bookedAt: transactions.bookedAt,
    })
    .from(allocations)
    .innerJoin(transactions, eq(transactions.id, allocations.transactionId))
    .where(eq(allocations.paymentRequestId, paymentRequestId))
    .orderBy(asc(allocations.createdAt), asc(allocations.id));
}

/** Allocation → metrics fact (the same shape the matcher records), for rebuilds. */
export async function allocationFacts(db: DbOrTx): Promise<PaymentFact[]> {
  const rows = await queryRows<{
    channel: string;
    amount: number;
    booked_at: string | Date;
    kind: string;
    payee_id: string;
    counterparty_account: string | null;
    payee_kind: string;
    payee_unit: string;
    request_unit: string | null;
    category: string | null;
    household_code: string | null;
    payer_ref: string | null;
  }>(
    db,
    sql`select a.channel, a.amount::int8 as amount, t.booked_at, a.kind, a.payee_id, t.counterparty_account,
          p.kind as payee_kind, p.unit_code as payee_unit, r.unit_code as request_unit, r.category,
          r.household_code, r.payer_ref
        from allocations a
        join transactions t on t.id = a.transaction_id
        join payees p on p.id = a.payee_id
        left join payment_requests r on r.id = a.payment_request_id
        where a.reversed_at is null and not a.refund_due
        order by a.created_at, a.id`,
  );
  return rows.map((r) => ({
    channel: r.channel as PaymentFact['channel'],
    count: 1,
    value: Number(r.amount),
    occurredAt: new Date(r.booked_at),
    unitCode: r.request_unit ?? r.payee_unit,
    payeeId: r.payee_id,
    payeeKind: r.payee_kind,
    category: r.kind === 'market_sale' ? 'market' : (r.category ?? 'other'),
    payerKey: r.household_code ?? r.payer_ref ?? r.counterparty_account ?? null,
  }));
}

/**
 * A person allocates (part of) a transaction to a payment request, in one database transaction with its
 * audit entry and metrics fact. Never more than the transaction's unallocated amount (409 over_allocation).
 */
export async function allocateByHand(
  db: Db,
  input: { transactionId: string; paymentRequestId: string; amount?: number; actor: string },
): Promise<{ allocationId: string; amount: number }> {
  return db.transaction(async (tx) => {
    const t = await lockTransaction(tx, input.transactionId);
    if (!t) throw conflict('not_found', 'Transaction not found');
    if (t.status === 'ignored') throw conflict('transaction_ignored', 'This transaction was ignored');
    if (t.direction !== 'in') throw conflict('not_a_credit', 'Only credits can be allocated');
    const remaining = t.amount - t.allocated_amount;
    const amount = input.amount ?? remaining;
    if (amount <= 0 || amount > remaining) {
      throw conflict('over_allocation', `Only ${remaining} VND of this transaction is unallocated`, {
        amount: t.amount,
        allocated: t.allocated_amount,
        remaining,
        requested: amount,
      });
    }
    const request = await getPaymentRequest(tx, input.paymentRequestId);
    if (!request) throw conflict('not_found', 'Payment request not found');
    if (request.status === 'expired' || request.status === 'cancelled')
      throw conflict('request_not_payable', `The payment request is ${request.status}`);
    const applied = await applyPaymentToRequest(tx as unknown as Tx, {
      paymentRequestId: request.id,
      amount,
      actor: input.actor,
      source: `transaction:${t.id}`,
    });
    const receiving = await findPayeeByAccount(tx, t.account_number, t.bank_bin ?? undefined);
    const receivingPayee = receiving ?? (await getPayee(tx, request.payeeId));
    const viaQr = (pgCodes(t.reference_codes) ?? []).includes(request.reference);
    const channel = channelOf({ receivingBin: receivingPayee?.bankBin ?? t.bank_bin, viaQr });
    const allocationId = await insertAllocation(tx, {
      transactionId: t.id,
      kind: 'request',
      paymentRequestId: request.id,
      payeeId: request.payeeId,
      amount,
      refundDue: false,
      channel,
      source: 'manual',
      actor: input.actor,
    });
    await recordPaymentFact(tx, {
      channel,
      count: 1,
      value: amount,
      occurredAt: new Date(t.booked_at),
      unitCode: request.unitCode,
      payeeId: request.payeeId,
      payeeKind: request.payeeKind,
      category: request.category,
      payerKey: request.householdCode ?? request.payerRef ?? t.counterparty_account ?? null,
    });
    const allocated = t.allocated_amount + amount;
    const outcome = paymentOutcome(applied.request.amount, applied.request.paidAmount - amount, amount);
    const status = allocated < t.amount ? 'partial' : 'matched';
    await tx.execute(
      sql`update transactions set status = ${status}, allocated_amount = ${allocated}, updated_at = now(),
            payee_id = coalesce(payee_id, ${request.payeeId}), unit_code = coalesce(unit_code, ${request.unitCode}),
            unit_path = coalesce(unit_path, ${request.unitPath})
          where id = ${t.id}`,
    );
    await recordAudit(tx, {
      actor: input.actor,
      action: 'transaction.allocate',
      subjectType: 'transaction',
      subjectId: t.id,
      details: {
        allocationId,
        paymentRequestId: request.id,
        reference: request.reference,
        amount,
        requestOutcome: outcome,
        statusBefore: t.status,
        statusAfter: status,
        requestStatusBefore: applied.before,
        requestStatusAfter: applied.after,
      },
    });
    return { allocationId, amount };
  });
}

/** A person sets a transaction aside with a reason (audited). Refused once money of it is allocated. */
export async function ignoreByHand(
  db: Db,
  input: { transactionId: string; reason: string; actor: string },
): Promise<void> {
  await db.transaction(async (tx) => {
    const t = await lockTransaction(tx, input.transactionId);
    if (!t) throw conflict('not_found', 'Transaction not found');
    if (t.allocated_amount > 0)
      throw conflict('has_allocations', 'Part of this transaction is allocated; it cannot be ignored');
    if (t.status === 'ignored' && t.ignore_reason === input.reason) return;
    await tx.execute(
      sql`update transactions set status = 'ignored', ignore_reason = ${input.reason}, updated_at = now()
          where id = ${t.id}`,
    );
    await recordAudit(tx, {
      actor: input.actor,
      action: 'transaction.ignore',
      subjectType: 'transaction',
      subjectId: t.id,
      details: { reason: input.reason, statusBefore: t.status },
    });
  });
}

function pgCodes(v: string[] | string): string[] {
  return Array.isArray(v)
    ? v
    : v
        .replace(/^\{|\}$/g, '')
        .split(',')
        .filter(Boolean);
}

/** Transactions of an account booked in [from, to) with no statement source: what a statement must explain. */
export async function unconfirmedCredits(db: DbOrTx, accountNumber: string, from: Date, to: Date) {
  return db
    .select()
    .from(transactions)
    .where(
      and(
        eq(transactions.accountNumber, accountNumber),
        eq(transactions.direction, 'in'),
        eq(transactions.confirmedByStatement, false),
        gte(transactions.bookedAt, from),
        lt(transactions.bookedAt, to),
      ),
    )
    .orderBy(asc(transactions.bookedAt));
}

/** Sources of the given transactions (for tests and the statement report). */
export async function sourcesOf(db: DbOrTx, ids: string[]) {
  if (ids.length === 0) return [];
  return db.select().from(transactionSources).where(inArray(transactionSources.transactionId, ids));
}

/** Unmatched or stuck transactions the sweep should try again, least recently tried first. */
export async function transactionsToRetry(db: DbOrTx, limit: number): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`select id from transactions
        where (status = 'pending' and created_at < now() - interval '30 seconds')
           or (status = 'unmatched' and booked_at > now() - interval '60 days'
               and (reference_codes <> '{}'::text[] or payee_id is null))
        order by match_attempted_at nulls first, created_at
        limit ${limit}`,
  );
  return rows.map((r) => r.id);
}

/**
 * The size of a unit's review queue (for the dashboard): unmatched credits, and credits flagged for a
 * refund that nobody has set aside yet.
 */
export async function countReviewQueue(db: DbOrTx, unitPath: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int8 as n from transactions
        where unit_path like ${`${unitPath}%`}
          and (status = 'unmatched' or (refund_due and status <> 'ignored'))`,
  );
  return Number(row?.n ?? 0);
}
