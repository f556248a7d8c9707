import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { asyncCommitTransaction, type Db, type DbOrTx, queryRows } from '../db/client.js';
import { extractReferenceCodes } from '../vietqr/memo.js';
import { compatibleWith, FINGERPRINT_WINDOW_MINUTES } from './fingerprint.js';

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
  /**
   * Merged: this report brought the reference codes the transaction lacked (the first channel had cut
   * them from the memo). An `unmatched` transaction must then be matched again, with them.
   */
  referencesAdded?: boolean;
};

/** Which recorded reports need the matcher, and which of those may retry an `unmatched` decision. */
export function toMatchAfterRecording(recorded: RecordOutcome[]): { match: string[]; rematch: string[] } {
  const rematch = recorded.filter((r) => r.referencesAdded).map((r) => r.transactionId);
  const again = new Set(rematch);
  const match = recorded
    .filter((r) => (r.outcome === 'created' || r.status === 'pending') && !again.has(r.transactionId))
    .map((r) => r.transactionId);
  return { match: [...new Set(match)], rematch: [...again] };
}

/**
 * Records one report as a transaction, in one database transaction: the same report twice changes
 * nothing (unique source), and the same credit from another channel joins the transaction that channel
 * did not report yet (fingerprint: account, amount, booked-time window, compatible memo). Reports of one
 * account and amount are serialised by an advisory lock, so concurrent channels cannot both create it.
 */
export async function recordCredit(db: Db, r: CreditReport): Promise<RecordOutcome> {
  // Derived state: commit without waiting for the disk (see ASYNC_COMMIT_NOTE in matcher.ts).
  const [outcome] = await asyncCommitTransaction(db, (tx) => recordCredits(tx, [r]));
  return outcome!;
}

/**
 * Records many reports inside the caller's database transaction, with the outcome each would have had
 * recorded one after another in this order (what `recordCredit` does for one), in a few statements:
 *
 * - the advisory locks of every account and amount, taken at once in one global order (by hash), so
 *   two batches never wait on each other in a cycle;
 * - rounds: a round is one lookup of known sources, one fingerprint lookup and one write, and a later
 *   round sees what the earlier ones wrote. Reports that may be one credit go in different rounds, in
 *   their order (`mayBeOneCredit`); so do two that would join the same recorded credit (the later waits a
 *   round, and sees the credit as the earlier left it). A class paying one fee in one batch is one round,
 *   not one per student.
 */
export async function recordCredits(tx: DbOrTx, reports: CreditReport[]): Promise<RecordOutcome[]> {
  if (reports.length === 0) return [];
  const lockKeys = [...new Set(reports.map((r) => `${r.accountNumber}:${r.amount}`))];
  await tx.execute(
    sql`select count(*) from (
          select pg_advisory_xact_lock(h) from (
            select distinct hashtextextended(k, 0) as h from jsonb_array_elements_text(${JSON.stringify(lockKeys)}::jsonb) as k
            order by 1
          ) keys
        ) locked`,
  );
  const outcomes: RecordOutcome[] = new Array(reports.length);
  const facts = reports.map((r) => ({ ...r, referenceCodes: extractReferenceCodes(r.memo) }));
  let pending = facts.map((_, i) => i);
  while (pending.length > 0) {
    const { round, later } = nextRound(facts, pending);
    const collided = await recordRound(tx, facts, round, outcomes);
    pending = [...collided, ...later].sort((a, b) => a - b);
  }
  return outcomes;
}

type ReportFacts = CreditReport & { referenceCodes: string[] };

const creditKey = (r: CreditReport) => `${r.direction}\u0000${r.accountNumber}\u0000${r.amount}`;

/**
 * Can these two reports (of one account, amount and direction) be the same credit, so that the later
 * must see what the earlier wrote? Not when one channel reported both (a channel reports a credit once;
 * the lookup skips credits its channel already reported), nor when both carry reference codes and share
 * none (memosCompatible: two payments). The same report twice always.
 */
export function mayBeOneCredit(a: ReportFacts, b: ReportFacts): boolean {
  if (a.channel === b.channel) return a.sourceRef === b.sourceRef;
  if (a.referenceCodes.length > 0 && b.referenceCodes.length > 0)
    return a.referenceCodes.some((c) => b.referenceCodes.includes(c));
  return true;
}

/**
 * The next round out of the pending reports (indices, in order): per account, amount and direction,
 * the longest run of reports none of which may be the same credit as another; the rest wait, in order.
 */
export function nextRound(reports: ReportFacts[], pending: number[]): { round: number[]; later: number[] } {
  const round: number[] = [];
  const later: number[] = [];
  const taken = new Map<string, number[]>();
  const closed = new Set<string>();
  for (const i of pending) {
    const key = creditKey(reports[i]!);
    const before = taken.get(key) ?? [];
    if (closed.has(key) || before.some((j) => mayBeOneCredit(reports[j]!, reports[i]!))) {
      closed.add(key);
      later.push(i);
      continue;
    }
    before.push(i);
    taken.set(key, before);
    round.push(i);
  }
  return { round, later };
}

/** How many of the nearest credits not yet reported by its channel a report is compared with. */
const CANDIDATES = 20;

type Candidate = {
  i: number;
  id: string;
  memo: string;
  reference_codes: string[] | string;
  bank_reference: string | null;
  status: string;
};

/** One round (see nextRound); returns the reports that must wait for the next one. */
async function recordRound(
  tx: DbOrTx,
  reports: ReportFacts[],
  round: number[],
  outcomes: RecordOutcome[],
): Promise<number[]> {
  const input = round.map((i) => {
    const r = reports[i]!;
    return {
      i,
      channel: r.channel,
      source_ref: r.sourceRef,
      account_number: r.accountNumber,
      amount: r.amount,
      direction: r.direction,
      at: r.bookedAt.toISOString(),
      date_only: r.bookedDateOnly === true,
    };
  });
  const known = await queryRows<{ i: number; transaction_id: string; status: string }>(
    tx,
    sql`select x.i, s.transaction_id::text as transaction_id, t.status
        from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as x(i int, channel text, source_ref text)
        join transaction_sources s on s.channel = x.channel and s.source_ref = x.source_ref
        join transactions t on t.id = s.transaction_id`,
  );
  for (const k of known) {
    outcomes[k.i] = { transactionId: k.transaction_id, outcome: 'known', status: k.status };
  }
  const fresh = input
    .filter((x) => outcomes[x.i] === undefined)
    .map((x) => ({ ...x, codes: reports[x.i]!.referenceCodes }));
  if (fresh.length === 0) return [];
  const window = FINGERPRINT_WINDOW_MINUTES;
  const candidates = await queryRows<Candidate>(
    tx,
    sql`select x.i, c.id::text as id, c.memo, c.reference_codes, c.bank_reference, c.status
        from jsonb_to_recordset(${JSON.stringify(fresh)}::jsonb)
          as x(i int, channel text, account_number text, amount bigint, direction text, at timestamptz,
               date_only boolean, codes text[])
        cross join lateral (
          select u.id, u.memo, u.reference_codes, u.bank_reference, u.status,
                 abs(extract(epoch from (u.booked_at - x.at))) as distance, u.created_at
          from (
            -- A report without reference codes may be any credit of the account and amount booked close
            -- to it (30 minutes either side; a calendar-day report: its day and the hour before), and only
            -- the nearest ones not yet reported by its channel are kept (below). A stall paid 35,000 đ a
            -- hundred times an hour by one channel has a hundred such credits in the window, all its
            -- channel's own: walked in time order they would all be read, for nothing. So the walk goes
            -- per other channel (by the channel that first reported each timed credit, found one index
            -- probe per channel) and reads, on each side of the report's time, only that channel's
            -- nearest. Calendar-day credits (some statement lines: partial index, few) are read whole.
            select t.* from (
              with recursive firsts(channel) as (
                (select f.channels[1] from transactions f
                 where cardinality(x.codes) = 0
                   and f.account_number = x.account_number and f.amount = x.amount and not f.booked_date_only
                 order by f.channels[1] limit 1)
                union all
                select (select f.channels[1] from transactions f
                        where f.account_number = x.account_number and f.amount = x.amount and not f.booked_date_only
                          and f.channels[1] > firsts.channel
                        order by f.channels[1] limit 1)
                from firsts where firsts.channel is not null
              )
              select channel from firsts where channel is not null and channel <> x.channel
            ) other
            cross join lateral (
              (select t.* from transactions t
               where t.account_number = x.account_number and t.amount = x.amount
                 and t.channels[1] = other.channel and not t.booked_date_only
                 and t.booked_at >= x.at
                 and t.booked_at <= x.at + case when x.date_only then interval '25 hours'
                                                else make_interval(mins => ${window}::int) end
                 and t.direction = x.direction and not (x.channel = any(t.channels))
               order by t.booked_at fetch first ${sql.raw(String(CANDIDATES))} rows with ties)
              union all
              (select t.* from transactions t
               where t.account_number = x.account_number and t.amount = x.amount
                 and t.channels[1] = other.channel and not t.booked_date_only
                 and t.booked_at < x.at
                 and t.booked_at >= x.at - case when x.date_only then interval '1 hour'
                                                else make_interval(mins => ${window}::int) end
                 and t.direction = x.direction and not (x.channel = any(t.channels))
               order by t.booked_at desc fetch first ${sql.raw(String(CANDIDATES))} rows with ties)
            ) t
            union all
            select t.* from transactions t
            where cardinality(x.codes) = 0
              and t.account_number = x.account_number and t.amount = x.amount and t.direction = x.direction
              and t.booked_date_only
              and t.booked_at > x.at - interval '25 hours' and t.booked_at < x.at + interval '25 hours'
            -- A report with reference codes is only ever the same credit as one sharing a code, or one
            -- whose channel cut the codes from the memo (memosCompatible: two different codes are two
            -- payments). A school paid one fee by hundreds of students a day reads a handful of rows,
            -- not all of them; the window is checked below.
            union all
            select t.* from (
              -- by the codes' index alone (offset 0 keeps the account's conditions out of this scan: on
              -- them the planner would pick the account's index and read every same-amount credit)
              select r.* from transactions r where cardinality(x.codes) > 0 and r.reference_codes && x.codes offset 0
            ) t
            where t.account_number = x.account_number and t.amount = x.amount and t.direction = x.direction
              and t.booked_at > x.at - interval '25 hours' and t.booked_at < x.at + interval '25 hours'
            union all
            select t.* from transactions t
            where cardinality(x.codes) > 0 and cardinality(t.reference_codes) = 0
              and t.account_number = x.account_number and t.amount = x.amount and t.direction = x.direction
              and t.booked_at > x.at - interval '25 hours' and t.booked_at < x.at + interval '25 hours'
          ) u
          where (
              (not x.date_only and not u.booked_date_only
                and u.booked_at between x.at - make_interval(mins => ${window}::int)
                                    and x.at + make_interval(mins => ${window}::int))
              or (not x.date_only and u.booked_date_only
                and u.booked_at > x.at - interval '25 hours' and u.booked_at <= x.at + interval '1 hour')
              or (x.date_only and u.booked_at >= x.at - interval '1 hour' and u.booked_at < x.at + interval '25 hours'))
            and not (x.channel = any(u.channels))
          order by distance, u.created_at
          limit ${sql.raw(String(CANDIDATES))}
        ) c
        order by x.i, c.distance, c.created_at`,
  );
  const byReport = new Map<number, Candidate[]>();
  for (const c of candidates) {
    const list = byReport.get(Number(c.i)) ?? [];
    list.push(c);
    byReport.set(Number(c.i), list);
  }
  const writes = [];
  // Two reports of a round that would join the same recorded credit: the later (and the rest of its
  // account and amount) waits for the next round, where it sees the credit as the earlier one left it.
  const joined = new Set<string>();
  const waiting = new Set<string>();
  const collided: number[] = [];
  for (const { i, codes: referenceCodes } of fresh) {
    const r = reports[i]!;
    if (waiting.has(creditKey(r))) {
      collided.push(i);
      continue;
    }
    const compatible = compatibleWith({ memo: r.memo, referenceCodes, bankReference: r.bankReference });
    const same = (byReport.get(i) ?? []).find((c) =>
      compatible({
        memo: c.memo,
        referenceCodes: pgArray(c.reference_codes),
        bankReference: c.bank_reference,
      }),
    );
    if (same && joined.has(same.id)) {
      waiting.add(creditKey(r));
      collided.push(i);
      continue;
    }
    if (same) joined.add(same.id);
    const transactionId = same?.id ?? randomUUID();
    const referencesAdded =
      same !== undefined && referenceCodes.length > 0 && pgArray(same.reference_codes).length === 0;
    outcomes[i] = same
      ? { transactionId, outcome: 'merged', status: same.status, referencesAdded }
      : { transactionId, outcome: 'created', status: 'pending' };
    writes.push({
      merge: same !== undefined,
      transaction_id: transactionId,
      channel: r.channel,
      source_ref: r.sourceRef,
      callback_event_id: r.callbackEventId ?? null,
      statement_line_id: r.statementLineId ?? null,
      direction: r.direction,
      account_number: r.accountNumber,
      bank_bin: r.bankBin ?? null,
      amount: r.amount,
      memo: r.memo,
      reference_codes: referenceCodes,
      at: r.bookedAt.toISOString(),
      date_only: r.bookedDateOnly === true,
      counterparty_account: r.counterpartyAccount ?? null,
      counterparty_name: r.counterpartyName ?? null,
      counterparty_bank_bin: r.counterpartyBankBin ?? null,
      bank_reference: r.bankReference ?? null,
      ignore_reason: r.ignoreReason ?? null,
      statement: r.channel === 'statement',
    });
  }
  if (writes.length === 0) return collided;
  // One statement: new transactions, merges into known ones, and every report's source row (the
  // sources' foreign key is checked at the end of the statement, after the new transactions exist).
  await tx.execute(
    sql`with x as (
          select * from jsonb_to_recordset(${JSON.stringify(writes)}::jsonb) as x(
            merge boolean, transaction_id uuid, channel text, source_ref text, callback_event_id bigint,
            statement_line_id bigint, direction text, account_number text, bank_bin text, amount bigint, memo text,
            reference_codes jsonb, at timestamptz, date_only boolean, counterparty_account text, counterparty_name text,
            counterparty_bank_bin text, bank_reference text, ignore_reason text, statement boolean)
        ), created as (
          insert into transactions (id, direction, account_number, bank_bin, amount, memo, reference_codes, channels,
            booked_at, booked_date_only, counterparty_account, counterparty_name, counterparty_bank_bin, bank_reference,
            ignore_reason, confirmed_by_statement, created_at)
          select transaction_id, direction, account_number, bank_bin, amount, memo,
            array(select jsonb_array_elements_text(reference_codes)), array[channel], at, date_only, counterparty_account,
            counterparty_name, counterparty_bank_bin, bank_reference, ignore_reason, statement,
            -- later rounds are younger: candidates are ordered by age after distance
            clock_timestamp()
          from x where not merge
          returning 1
        ), merged as (
          update transactions t set
            counterparty_account = coalesce(t.counterparty_account, x.counterparty_account),
            counterparty_name = coalesce(t.counterparty_name, x.counterparty_name),
            counterparty_bank_bin = coalesce(t.counterparty_bank_bin, x.counterparty_bank_bin),
            bank_reference = coalesce(t.bank_reference, x.bank_reference),
            -- The memo that carries the reference codes is the one to match (and to show) by.
            memo = case when cardinality(t.reference_codes) = 0 and jsonb_array_length(x.reference_codes) > 0
                        then x.memo else t.memo end,
            reference_codes = case when cardinality(t.reference_codes) = 0
                                   then array(select jsonb_array_elements_text(x.reference_codes))
                                   else t.reference_codes end,
            bank_bin = coalesce(t.bank_bin, x.bank_bin),
            channels = case when x.channel = any(t.channels) then t.channels else array_append(t.channels, x.channel) end,
            -- a timed report is more precise than a calendar day
            booked_at = case when t.booked_date_only and not x.date_only then x.at else t.booked_at end,
            booked_date_only = t.booked_date_only and x.date_only,
            confirmed_by_statement = t.confirmed_by_statement or x.statement,
            updated_at = now()
          from x where x.merge and t.id = x.transaction_id
          returning 1
        ), sources as (
          insert into transaction_sources (transaction_id, channel, source_ref, callback_event_id, statement_line_id)
          select transaction_id, channel, source_ref, callback_event_id, statement_line_id from x
          returning 1
        )
        select (select count(*) from created) as created, (select count(*) from merged) as merged,
               (select count(*) from sources) as sources`,
  );
  return collided;
}

/** text[] as either driver returns it. */
export function pgArray(value: string[] | string | null): string[] {
  if (value === null) return [];
  if (Array.isArray(value)) return value;
  const inner = value.replace(/^\{|\}$/g, '');
  return inner === '' ? [] : inner.split(',').map((s) => s.replace(/^"|"$/g, ''));
}
