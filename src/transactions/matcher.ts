import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { asyncCommitTransaction, type Db, type DbOrTx, queryRows } from '../db/client.js';
import { type NewAllocationEvent, recordAllocationEvent, recordAllocationEvents } from '../events/store.js';
import { type PaymentFact, recordPaymentFacts } from '../metrics/facts.js';
import { deriveStatus } from '../payment-requests/status.js';
import {
  lockRequestsByReferences,
  type RequestPaymentWrite,
  type StatusEvent,
  writeRequestPayments,
} from '../payment-requests/store.js';
import { channelOf, decideMatch, excessOf, paymentOutcome, type TransactionOutcome } from './match.js';
import { pgArray } from './record.js';

export const MATCHER_ACTOR = 'job:match';

export type TransactionRow = {
  id: string;
  direction: 'in' | 'out';
  account_number: string;
  bank_bin: string | null;
  amount: number;
  memo: string;
  reference_codes: string[] | string;
  booked_at: string | Date;
  counterparty_account: string | null;
  status: string;
  ignore_reason: string | null;
  allocated_amount: number;
};

/*
 * ASYNC_COMMIT_NOTE: what the workers write (transactions, sources, automatic allocations, their facts)
 * is derived from callback events that were committed durably before the provider got its 2xx. Those
 * worker transactions commit with synchronous_commit off (asyncCommitTransaction in db/client.ts): they do
 * not wait for the disk, and a crash can lose at most the last few hundred milliseconds of them, which the
 * sweep redoes from the events (unprocessed events, `pending` transactions). Manual actions keep
 * synchronous commits.
 */

/** A transaction's row, locked for the caller's database transaction (a person allocating or ignoring it). */
export async function lockTransaction(tx: DbOrTx, id: string): Promise<TransactionRow | undefined> {
  const [row] = await queryRows<TransactionRow>(
    tx,
    sql`select id, direction, account_number, bank_bin, amount::int8 as amount, memo, reference_codes, booked_at,
          counterparty_account, status, ignore_reason, allocated_amount::int8 as allocated_amount
        from transactions where id = ${id} for update`,
  );
  return row
    ? { ...row, amount: Number(row.amount), allocated_amount: Number(row.allocated_amount) }
    : undefined;
}

/**
 * Matches one transaction, in one database transaction under its row lock: running it twice, or twice at
 * once, allocates once (the second run finds the status already decided). `retryUnmatched` lets the
 * sweep try again an `unmatched` one whose request or stall may exist now.
 */
export async function matchTransaction(
  db: Db,
  transactionId: string,
  options: { retryUnmatched?: boolean } = {},
): Promise<string | undefined> {
  const outcomes = await asyncCommitTransaction(db, (tx) => matchTransactions(tx, [transactionId], options));
  return outcomes.get(transactionId);
}

type PayeeRow = {
  id: string;
  kind: string;
  bank_bin: string;
  account_number: string;
  virtual_account: string | null;
  unit_code: string;
  unit_path: string;
};

type Receiving = { id: string; kind: string; bankBin: string; unitCode: string; unitPath: string };

/** findPayeeByAccount over rows already read: the same answer, without a round trip per credit. */
function receivingPayee(rows: PayeeRow[], account: string, bankBin: string | null): Receiving | undefined {
  const byAccount = rows.filter(
    (p) => p.account_number === account && (bankBin ? p.bank_bin === bankBin : true),
  );
  const payee =
    byAccount.length === 1
      ? byAccount[0]
      : byAccount.length > 1
        ? undefined // the same number at two banks: not ours to guess
        : rows.find((p) => p.virtual_account === account);
  return (
    payee && {
      id: payee.id,
      kind: payee.kind,
      bankBin: payee.bank_bin,
      unitCode: payee.unit_code,
      unitPath: payee.unit_path,
    }
  );
}

/**
 * Matches many transactions inside the caller's database transaction, with the outcome each would have
 * had matched one after another in the given order, in a fixed number of statements whatever their
 * number. Locks are taken class by class, each class in one global order — the transactions (by id),
 * their payment requests (by id), the payees' event heads and the rollup rows (by key) — the order in
 * which every other writer of these rows takes them, so concurrent batches cannot deadlock. Decisions
 * are made from the rows as they are under those locks; a transaction whose status is already decided
 * is left alone (so a re-run, or a concurrent run, allocates nothing twice).
 *
 * The payment requests are read and written here in bulk (src/payment-requests/store.ts has only
 * one-request-at-a-time functions); the writes are exactly those of `applyPaymentToRequest`.
 */
export async function matchTransactions(
  tx: DbOrTx,
  transactionIds: string[],
  /** `true`, or the transactions that may retry an `unmatched` decision (one call: one lock order). */
  options: { retryUnmatched?: boolean | ReadonlySet<string> } = {},
): Promise<Map<string, string>> {
  const outcomes = new Map<string, string>();
  const ids = [...new Set(transactionIds)].filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  if (ids.length === 0) return outcomes;
  const rows = await queryRows<TransactionRow>(
    tx,
    sql`select id::text as id, direction, account_number, bank_bin, amount::int8 as amount, memo, reference_codes,
          booked_at, counterparty_account, status, ignore_reason, allocated_amount::int8 as allocated_amount
        from transactions where id in (select (jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))::uuid)
        order by id for update`,
  );
  const byId = new Map(rows.map((r) => [r.id, { ...r, amount: Number(r.amount) }]));
  const todo: TransactionRow[] = [];
  for (const id of ids) {
    const t = byId.get(id);
    if (!t) continue;
    const r = options.retryUnmatched;
    const retry = r === true || (typeof r === 'object' && r.has(id));
    if (t.status === 'pending' || (retry && t.status === 'unmatched')) todo.push(t);
    else outcomes.set(id, t.status);
  }
  if (todo.length === 0) return outcomes;

  const codes = [...new Set(todo.flatMap((t) => pgArray(t.reference_codes)))];
  const accounts = [...new Set(todo.filter((t) => t.direction === 'in').map((t) => t.account_number))];
  const requests = await lockRequestsByReferences(tx, codes);
  const payeeRows =
    accounts.length === 0
      ? []
      : await queryRows<PayeeRow>(
          tx,
          sql`with a as (select jsonb_array_elements_text(${JSON.stringify(accounts)}::jsonb) as account)
              select p.id::text as id, p.kind, p.bank_bin, p.account_number, p.virtual_account, p.unit_code,
                u.path as unit_path
              from payees p join units u on u.code = p.unit_code
              where p.account_number in (select account from a) or p.virtual_account in (select account from a)`,
        );
  // The requests as they stand under their locks, changed as each payment is applied in turn.
  const requestByCode = new Map(requests.map((r) => [r.reference, r]));

  const requestWrites = new Map<string, RequestPaymentWrite>();
  const statusEvents: StatusEvent[] = [];
  const allocationsToInsert: NewAllocationEvent[] = [];
  const facts: PaymentFact[] = [];
  const updates: TransactionUpdate[] = [];

  for (const t of todo) {
    const bookedAt = new Date(t.booked_at);
    let request: (typeof requestByCode extends Map<string, infer R> ? R : never) | undefined;
    for (const code of pgArray(t.reference_codes)) {
      request = requestByCode.get(code);
      if (request) break;
    }
    const receiving =
      t.direction === 'in' ? receivingPayee(payeeRows, t.account_number, t.bank_bin) : undefined;
    const decision = decideMatch(
      { direction: t.direction, amount: t.amount, ignoreReason: t.ignore_reason },
      request && {
        id: request.id,
        payeeId: request.payeeId,
        amount: request.amount,
        paidAmount: request.paidAmount,
        status: request.status,
      },
      receiving,
    );
    switch (decision.kind) {
      case 'ignore':
        updates.push({ id: t.id, status: 'ignored', ignore_reason: decision.reason, set_payee: false });
        outcomes.set(t.id, 'ignored');
        break;
      case 'unmatched':
        updates.push({
          id: t.id,
          status: 'unmatched',
          set_payee: true,
          payee_id: receiving?.id ?? null,
          unit_code: receiving?.unitCode ?? null,
          unit_path: receiving?.unitPath ?? null,
        });
        outcomes.set(t.id, 'unmatched');
        break;
      case 'market_sale': {
        const payee = receiving!;
        const channel = channelOf({ receivingBin: payee.bankBin, viaQr: true });
        allocationsToInsert.push({
          id: randomUUID(),
          transactionId: t.id,
          kind: 'market_sale',
          paymentRequestId: null,
          payeeId: payee.id,
          amount: t.amount,
          refundDue: false,
          channel,
          paymentRequest: null,
          occurredAt: bookedAt,
        });
        facts.push({
          channel,
          count: 1,
          value: t.amount,
          occurredAt: bookedAt,
          unitCode: payee.unitCode,
          payeeId: payee.id,
          payeeKind: payee.kind,
          category: 'market',
          payerKey: t.counterparty_account ?? null,
        });
        updates.push({
          id: t.id,
          status: 'matched',
          allocated_amount: t.amount,
          set_payee: true,
          payee_id: payee.id,
          unit_code: payee.unitCode,
          unit_path: payee.unitPath,
        });
        outcomes.set(t.id, 'matched');
        break;
      }
      case 'request': {
        // applyPaymentToRequest, on the request as the payments before this one left it.
        const r = request!;
        const before = { status: r.status, paidAmount: r.paidAmount };
        r.paidAmount += t.amount;
        r.status = deriveStatus(before.status, r.amount, r.paidAmount);
        requestWrites.set(r.id, { id: r.id, paidAmount: r.paidAmount, status: r.status });
        if (r.status !== before.status) {
          statusEvents.push({
            paymentRequestId: r.id,
            fromStatus: before.status,
            toStatus: r.status,
            actor: MATCHER_ACTOR,
            source: `transaction:${t.id}`,
            paidAmount: r.paidAmount,
          });
        }
        let status: TransactionOutcome;
        let refundDue = false;
        let refundAmount = 0;
        if (before.status === 'expired' || before.status === 'cancelled') {
          status = 'matched';
          refundDue = true;
          refundAmount = t.amount;
        } else {
          status = paymentOutcome(r.amount, before.paidAmount, t.amount);
          if (status === 'duplicate') {
            refundDue = true;
            refundAmount = t.amount;
          } else if (status === 'overpaid') {
            refundDue = true;
            refundAmount = excessOf(r.amount, before.paidAmount, t.amount);
          }
        }
        const countsAsPayment = !(refundDue && refundAmount === t.amount);
        const channel = channelOf({ receivingBin: receiving?.bankBin ?? t.bank_bin, viaQr: true });
        allocationsToInsert.push({
          id: randomUUID(),
          transactionId: t.id,
          kind: 'request',
          paymentRequestId: r.id,
          payeeId: r.payeeId,
          amount: t.amount,
          refundDue: !countsAsPayment,
          channel,
          paymentRequest: {
            id: r.id,
            reference: r.reference,
            payerRef: r.payerRef,
            payerName: r.payerName,
            payerGroup: r.payerGroup,
            category: r.category,
          },
          occurredAt: bookedAt,
        });
        if (countsAsPayment) {
          facts.push({
            channel,
            count: 1,
            value: t.amount,
            occurredAt: bookedAt,
            unitCode: r.unitCode,
            payeeId: r.payeeId,
            payeeKind: r.payeeKind,
            category: r.category,
            payerKey: r.householdCode ?? r.payerRef ?? t.counterparty_account ?? null,
          });
        }
        updates.push({
          id: t.id,
          status,
          refund_due: refundDue,
          refund_amount: refundAmount,
          allocated_amount: t.amount,
          set_payee: true,
          payee_id: r.payeeId,
          unit_code: r.unitCode,
          unit_path: r.unitPath,
        });
        outcomes.set(t.id, status);
        break;
      }
    }
  }

  // The transactions first: their rows are locked since the select above, so this takes no new lock,
  // and the locks below — above all a busy payee's event head, which every batch paying it waits for —
  // are then held only while the last statements run, not while this one does.
  await tx.execute(
    sql`update transactions t set
          status = u.status,
          ignore_reason = coalesce(u.ignore_reason, t.ignore_reason),
          refund_due = coalesce(u.refund_due, t.refund_due),
          refund_amount = coalesce(u.refund_amount, t.refund_amount),
          allocated_amount = coalesce(u.allocated_amount, t.allocated_amount),
          payee_id = case when u.set_payee then u.payee_id else t.payee_id end,
          unit_code = case when u.set_payee then u.unit_code else t.unit_code end,
          unit_path = case when u.set_payee then u.unit_path else t.unit_path end,
          match_attempted_at = now(),
          updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) as u(
          id uuid, status text, ignore_reason text, refund_due boolean, refund_amount bigint, allocated_amount bigint,
          set_payee boolean, payee_id uuid, unit_code text, unit_path text)
        where t.id = u.id`,
  );
  // Writes, in the order every writer takes these locks: requests, allocations and payee events, rollups.
  await writeRequestPayments(tx, [...requestWrites.values()], statusEvents);
  await insertAllocations(tx, allocationsToInsert, MATCHER_ACTOR);
  await recordPaymentFacts(tx, facts);
  return outcomes;
}

type TransactionUpdate = {
  id: string;
  status: string;
  ignore_reason?: string;
  refund_due?: boolean;
  refund_amount?: number;
  allocated_amount?: number;
  set_payee: boolean;
  payee_id?: string | null;
  unit_code?: string | null;
  unit_path?: string | null;
};

export type NewAllocation = {
  transactionId: string;
  kind: 'request' | 'market_sale';
  paymentRequestId: string | null;
  payeeId: string;
  amount: number;
  refundDue: boolean;
  channel: string;
  source: 'auto' | 'manual';
  actor: string;
};

export async function insertAllocation(tx: DbOrTx, a: NewAllocation): Promise<string> {
  const [row] = await queryRows<{ id: string }>(
    tx,
    sql`insert into allocations (transaction_id, kind, payment_request_id, payee_id, amount, refund_due, channel, source, actor)
        values (${a.transactionId}, ${a.kind}, ${a.paymentRequestId}, ${a.payeeId}, ${a.amount}, ${a.refundDue},
          ${a.channel}, ${a.source}, ${a.actor})
        returning id`,
  );
  // The payee's live screens (vendor, bursar) read this event; same transaction, so never one without the other.
  await recordAllocationEvent(tx, row!.id, a);
  return row!.id;
}

/** The matcher's allocations and their payee events, two statements for any number of them. */
async function insertAllocations(tx: DbOrTx, list: NewAllocationEvent[], actor: string): Promise<void> {
  if (list.length === 0) return;
  const rows = list.map((a, n) => ({
    n,
    id: a.id,
    transaction_id: a.transactionId,
    kind: a.kind,
    payment_request_id: a.paymentRequestId,
    payee_id: a.payeeId,
    amount: a.amount,
    refund_due: a.refundDue,
    channel: a.channel,
  }));
  await tx.execute(
    // A request lists what paid it by created_at: the batch's allocations keep their order (1 µs apart).
    sql`insert into allocations (id, transaction_id, kind, payment_request_id, payee_id, amount, refund_due, channel, source,
          actor, created_at)
        select a.id, a.transaction_id, a.kind, a.payment_request_id, a.payee_id, a.amount, a.refund_due, a.channel, 'auto',
          ${actor}, now() + make_interval(secs => a.n / 1000000.0)
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as a(
          id uuid, transaction_id uuid, kind text, payment_request_id uuid, payee_id uuid, amount bigint,
          refund_due boolean, channel text, n int)
        order by a.n`,
  );
  // The payee's live screens (vendor, bursar) read these events; same transaction, so never one without the other.
  await recordAllocationEvents(tx, list);
}
