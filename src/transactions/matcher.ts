import { sql } from 'drizzle-orm';
import { type Db, type DbOrTx, queryRows, type Tx } from '../db/client.js';
import { recordAllocationEvent } from '../events/store.js';
import { recordPaymentFact } from '../metrics/facts.js';
import { findPayeeByAccount } from '../payees/store.js';
import { applyPaymentToRequest, findPaymentRequestByReference } from '../payment-requests/store.js';
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

/**
 * ASYNC_COMMIT_NOTE: what the workers write (transactions, sources, automatic allocations, their facts)
 * is derived from callback events that were committed durably before the provider got its 2xx. Those
 * worker transactions commit with synchronous_commit off: they do not wait for the disk, and a crash can
 * lose at most the last few hundred milliseconds of them, which the sweep redoes from the events
 * (unprocessed events, `pending` transactions). Manual actions keep synchronous commits.
 */
export async function lockTransaction(
  tx: DbOrTx,
  id: string,
  options: { asyncCommit?: boolean } = {},
): Promise<TransactionRow | undefined> {
  const [row] = await queryRows<TransactionRow>(
    tx,
    sql`select id, direction, account_number, bank_bin, amount::int8 as amount, memo, reference_codes, booked_at,
          counterparty_account, status, ignore_reason, allocated_amount::int8 as allocated_amount
          ${options.asyncCommit ? sql`, set_config('synchronous_commit', 'off', true) as async_commit` : sql``}
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
  return db.transaction(async (tx) => {
    const t = await lockTransaction(tx, transactionId, { asyncCommit: true });
    if (!t) return undefined;
    if (!(t.status === 'pending' || (options.retryUnmatched && t.status === 'unmatched'))) return t.status;
    const bookedAt = new Date(t.booked_at);

    let request: Awaited<ReturnType<typeof findPaymentRequestByReference>>;
    for (const code of pgArray(t.reference_codes)) {
      request = await findPaymentRequestByReference(tx, code);
      if (request) break;
    }
    const receiving =
      t.direction === 'in'
        ? await findPayeeByAccount(tx, t.account_number, t.bank_bin ?? undefined)
        : undefined;
    const decision = decideMatch(
      { direction: t.direction, amount: t.amount, ignoreReason: t.ignore_reason },
      request ?? undefined,
      receiving,
    );

    switch (decision.kind) {
      case 'ignore':
        await tx.execute(
          sql`update transactions set status = 'ignored', ignore_reason = ${decision.reason},
                match_attempted_at = now(), updated_at = now() where id = ${t.id}`,
        );
        return 'ignored';
      case 'unmatched':
        await tx.execute(
          sql`update transactions set status = 'unmatched', match_attempted_at = now(), updated_at = now(),
                payee_id = ${receiving?.id ?? null}, unit_code = ${receiving?.unitCode ?? null},
                unit_path = ${receiving?.unitPath ?? null}
              where id = ${t.id}`,
        );
        return 'unmatched';
      case 'market_sale': {
        const payee = receiving!;
        const channel = channelOf({ receivingBin: payee.bankBin, viaQr: true });
        await insertAllocation(tx, {
          transactionId: t.id,
          kind: 'market_sale',
          paymentRequestId: null,
          payeeId: payee.id,
          amount: t.amount,
          refundDue: false,
          channel,
          source: 'auto',
          actor: MATCHER_ACTOR,
        });
        await recordPaymentFact(tx, {
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
        await tx.execute(
          sql`update transactions set status = 'matched', allocated_amount = ${t.amount}, match_attempted_at = now(),
                updated_at = now(), payee_id = ${payee.id}, unit_code = ${payee.unitCode}, unit_path = ${payee.unitPath}
              where id = ${t.id}`,
        );
        return 'matched';
      }
      case 'request': {
        const applied = await applyPaymentToRequest(tx as unknown as Tx, {
          paymentRequestId: decision.request.id,
          amount: t.amount,
          actor: MATCHER_ACTOR,
          source: `transaction:${t.id}`,
        });
        const before = { status: applied.before, paidAmount: applied.request.paidAmount - t.amount };
        const r = applied.request;
        // Decided again from the request as it was under its lock (another payment may have landed first).
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
        await insertAllocation(tx, {
          transactionId: t.id,
          kind: 'request',
          paymentRequestId: r.id,
          payeeId: r.payeeId,
          amount: t.amount,
          refundDue: !countsAsPayment,
          channel,
          source: 'auto',
          actor: MATCHER_ACTOR,
        });
        if (countsAsPayment) {
          await recordPaymentFact(tx, {
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
        await tx.execute(
          sql`update transactions set status = ${status}, refund_due = ${refundDue}, refund_amount = ${refundAmount},
                allocated_amount = ${t.amount}, match_attempted_at = now(), updated_at = now(),
                payee_id = ${r.payeeId}, unit_code = ${r.unitCode}, unit_path = ${r.unitPath}
              where id = ${t.id}`,
        );
        return status;
      }
    }
  });
}

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
