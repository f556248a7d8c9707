import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';
import { extractReferenceCodes } from '../vietqr/memo.js';
import { FINGERPRINT_WINDOW_MINUTES, memosCompatible } from './fingerprint.js';

/** One report of a bank movement by one channel (a callback event or a statement line). */
export type CreditReport = {
  /** `callback:<provider>` or `statement`. */
  channel: string;
  /** The channel's id for it: provider event id, or statement line key. */
  sourceRef: string;
  callbackEventId?: number;
  statementLineId?: number;
  direction: 'in' | 'out';
  accountNumber: string;
  bankBin?: string | null;
  amount: number;
  memo: string;
  bookedAt: Date;
  /** The source gave only a calendar day (bookedAt is that day's start in Vietnam). */
  bookedDateOnly?: boolean;
  counterpartyAccount?: string | null;
  counterpartyName?: string | null;
  counterpartyBankBin?: string | null;
  bankReference?: string | null;
  ignoreReason?: string | null;
};

export type RecordOutcome = {
  transactionId: string;
  /** created: a new transaction; merged: the same credit another channel reported; known: this report was recorded before. */
  outcome: 'created' | 'merged' | 'known';
  status: string;
};

/**
 * Records one report as a transaction, in one database transaction: the same report twice changes
 * nothing (unique source), and the same credit from another channel joins the transaction that channel
 * did not report yet (fingerprint: account, amount, booked-time window, compatible memo). Reports of one
 * account and amount are serialised by an advisory lock, so concurrent channels cannot both create it.
 */
export async function recordCredit(db: Db, r: CreditReport): Promise<RecordOutcome> {
  return db.transaction(async (tx) => {
    // Derived state: commit without waiting for the disk (see ASYNC_COMMIT_NOTE in matcher.ts).
    await tx.execute(
      sql`select set_config('synchronous_commit', 'off', true),
            pg_advisory_xact_lock(hashtextextended(${`${r.accountNumber}:${r.amount}`}, 0))`,
    );
    const [known] = await queryRows<{ transaction_id: string; status: string }>(
      tx,
      sql`select s.transaction_id, t.status from transaction_sources s join transactions t on t.id = s.transaction_id
          where s.channel = ${r.channel} and s.source_ref = ${r.sourceRef}`,
    );
    if (known) return { transactionId: known.transaction_id, outcome: 'known', status: known.status };

    const at = r.bookedAt.toISOString();
    const dateOnly = r.bookedDateOnly === true;
    const referenceCodes = extractReferenceCodes(r.memo);
    const candidates = await queryRows<{
      id: string;
      memo: string;
      reference_codes: string[] | string;
      bank_reference: string | null;
      status: string;
    }>(
      tx,
      sql`select t.id, t.memo, t.reference_codes, t.bank_reference, t.status from transactions t
          where t.account_number = ${r.accountNumber} and t.amount = ${r.amount} and t.direction = ${r.direction}
            and t.booked_at > ${at}::timestamptz - interval '26 hours'
            and t.booked_at < ${at}::timestamptz + interval '26 hours'
            and case
              when ${dateOnly}::boolean then t.booked_at >= ${at}::timestamptz - interval '1 hour'
                                    and t.booked_at < ${at}::timestamptz + interval '25 hours'
              when t.booked_date_only then ${at}::timestamptz >= t.booked_at - interval '1 hour'
                                    and ${at}::timestamptz < t.booked_at + interval '25 hours'
              else t.booked_at between ${at}::timestamptz - make_interval(mins => ${FINGERPRINT_WINDOW_MINUTES})
                                  and ${at}::timestamptz + make_interval(mins => ${FINGERPRINT_WINDOW_MINUTES})
            end
            and not exists (select 1 from transaction_sources s where s.transaction_id = t.id and s.channel = ${r.channel})
          order by abs(extract(epoch from (t.booked_at - ${at}::timestamptz))), t.created_at
          limit 20`,
    );
    const same = candidates.find((c) =>
      memosCompatible(
        { memo: r.memo, referenceCodes, bankReference: r.bankReference },
        { memo: c.memo, referenceCodes: pgArray(c.reference_codes), bankReference: c.bank_reference },
      ),
    );
    let transactionId: string;
    let status: string;
    let outcome: RecordOutcome['outcome'];
    if (same) {
      transactionId = same.id;
      status = same.status;
      outcome = 'merged';
      await tx.execute(
        sql`update transactions set
              counterparty_account = coalesce(counterparty_account, ${r.counterpartyAccount ?? null}),
              counterparty_name = coalesce(counterparty_name, ${r.counterpartyName ?? null}),
              counterparty_bank_bin = coalesce(counterparty_bank_bin, ${r.counterpartyBankBin ?? null}),
              bank_reference = coalesce(bank_reference, ${r.bankReference ?? null}),
              bank_bin = coalesce(bank_bin, ${r.bankBin ?? null}),
              -- a timed report is more precise than a calendar day
              booked_at = case when booked_date_only and not ${dateOnly}::boolean then ${at}::timestamptz else booked_at end,
              booked_date_only = booked_date_only and ${dateOnly}::boolean,
              confirmed_by_statement = confirmed_by_statement or ${r.channel === 'statement'}::boolean,
              updated_at = now()
            where id = ${transactionId}`,
      );
    } else {
      const [row] = await queryRows<{ id: string }>(
        tx,
        sql`insert into transactions (direction, account_number, bank_bin, amount, memo, reference_codes, booked_at,
              booked_date_only, counterparty_account, counterparty_name, counterparty_bank_bin, bank_reference,
              ignore_reason, confirmed_by_statement)
            values (${r.direction}, ${r.accountNumber}, ${r.bankBin ?? null}, ${r.amount}, ${r.memo},
              ${pgArrayLiteral(referenceCodes)}::text[], ${at}::timestamptz, ${dateOnly}, ${r.counterpartyAccount ?? null},
              ${r.counterpartyName ?? null}, ${r.counterpartyBankBin ?? null}, ${r.bankReference ?? null},
              ${r.ignoreReason ?? null}, ${r.channel === 'statement'})
            returning id`,
      );
      transactionId = row!.id;
      status = 'pending';
      outcome = 'created';
    }
    await tx.execute(
      sql`insert into transaction_sources (transaction_id, channel, source_ref, callback_event_id, statement_line_id)
          values (${transactionId}, ${r.channel}, ${r.sourceRef}, ${r.callbackEventId ?? null}, ${r.statementLineId ?? null})`,
    );
    return { transactionId, outcome, status };
  });
}

/** text[] as either driver returns it. */
export function pgArray(value: string[] | string | null): string[] {
  if (value === null) return [];
  if (Array.isArray(value)) return value;
  const inner = value.replace(/^\{|\}$/g, '');
  return inner === '' ? [] : inner.split(',').map((s) => s.replace(/^"|"$/g, ''));
}

/** Reference codes are [0-9A-Z] only, so a literal needs no escaping. */
function pgArrayLiteral(values: string[]): string {
  return `{${values.join(',')}}`;
}
