import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';
import { matchTransaction } from '../transactions/matcher.js';
import { type RecordOutcome, recordCredit, toMatchAfterRecording } from '../transactions/record.js';
import { unconfirmedCredits } from '../transactions/store.js';
import { parseCamt053 } from './camt053.js';
import { parseStatementCsv } from './csv.js';
import { type ParsedStatement, StatementError, vietnamDay } from './line.js';

export type StatementReport = {
  statementId: string;
  accountNumber: string;
  format: string;
  from: string;
  to: string;
  /** Credit lines in the statement. */
  lines: number;
  /** Credit lines a callback (or an earlier import) had already reported: now confirmed. */
  alreadyKnown: number;
  /** Credit lines nothing had reported: new transactions, matched. */
  created: number;
  /** Debit lines (not reconciled). */
  debits: number;
  /** Credits we hold for this account in the period that the bank does not list. */
  conflicts: {
    transactionId: string;
    amount: number;
    bookedAt: string;
    memo: string;
    status: string;
    reason: string;
  }[];
};

export function parseStatement(content: string, contentType: string): ParsedStatement {
  const looksXml = /xml/i.test(contentType) || /^\s*(<\?xml|<Document)/.test(content);
  return looksXml ? parseCamt053(content) : parseStatementCsv(content);
}

/**
 * Imports a statement for one account: each credit line becomes a transaction unless a callback (or a
 * previous import) reported it already, in which case that transaction is confirmed. New ones are matched.
 * Credits we hold in the period that the statement lacks are reported as conflicts. Importing the same
 * statement again changes nothing (statement, lines and sources are all unique).
 */
export async function importStatement(
  db: Db,
  input: {
    content: string;
    contentType: string;
    accountNumber?: string;
    from?: string;
    to?: string;
    actor: string;
  },
): Promise<StatementReport> {
  const parsed = parseStatement(input.content, input.contentType);
  if (input.accountNumber && parsed.accountNumber && input.accountNumber !== parsed.accountNumber) {
    throw new StatementError(
      `The statement is for account ${parsed.accountNumber}, not ${input.accountNumber}`,
    );
  }
  const accountNumber = parsed.accountNumber ?? input.accountNumber;
  if (!accountNumber) throw new StatementError('Which account? Pass accountNumber (the file does not say)');
  const days = parsed.lines.map((l) => vietnamDay(l.bookedAt)).sort();
  const from = input.from ?? parsed.periodFrom ?? days[0];
  const to = input.to ?? parsed.periodTo ?? days.at(-1);
  if (!from || !to) throw new StatementError('The statement has no lines and no period');
  if (from > to) throw new StatementError(`The period ${from} … ${to} ends before it starts`);

  const sha = createHash('sha256').update(input.content).digest('hex');
  const [inserted] = await queryRows<{ id: string }>(
    db,
    sql`insert into statements (account_number, format, period_from, period_to, content_sha256, raw, imported_by)
        values (${accountNumber}, ${parsed.format}, ${from}, ${to}, ${sha}, ${input.content}, ${input.actor})
        on conflict (account_number, content_sha256) do nothing returning id`,
  );
  const statementId =
    inserted?.id ??
    (
      await queryRows<{ id: string }>(
        db,
        sql`select id from statements where account_number = ${accountNumber} and content_sha256 = ${sha}`,
      )
    )[0]!.id;

  let alreadyKnown = 0;
  let created = 0;
  let debits = 0;
  const recordedLines: RecordOutcome[] = [];
  for (const line of parsed.lines) {
    if (line.direction === 'out') {
      debits++;
      continue;
    }
    const [row] = await queryRows<{ id: number }>(
      db,
      sql`with ins as (
            insert into statement_lines (statement_id, account_number, line_key, direction, amount, booked_at, memo, reference, raw)
            values (${statementId}, ${accountNumber}, ${line.lineKey}, ${line.direction}, ${line.amount},
              ${line.bookedAt.toISOString()}::timestamptz, ${line.memo}, ${line.reference ?? null}, ${line.raw})
            on conflict (account_number, line_key) do nothing returning id
          )
          select id from ins
          union all
          select id from statement_lines where account_number = ${accountNumber} and line_key = ${line.lineKey}
          limit 1`,
    );
    const recorded = await recordCredit(db, {
      channel: 'statement',
      sourceRef: `${accountNumber}:${line.lineKey}`,
      statementLineId: Number(row!.id),
      direction: 'in',
      accountNumber,
      amount: line.amount,
      memo: line.memo,
      bookedAt: line.bookedAt,
      bookedDateOnly: line.dateOnly,
      counterpartyAccount: line.counterpartyAccount,
      counterpartyName: line.counterpartyName,
      bankReference: line.reference,
    });
    if (recorded.outcome === 'created') created++;
    else alreadyKnown++;
    recordedLines.push(recorded);
  }
  const { match, rematch } = toMatchAfterRecording(recordedLines);
  for (const id of match) await matchTransaction(db, id);
  for (const id of rematch) await matchTransaction(db, id, { retryUnmatched: true });

  const periodStart = new Date(`${from}T00:00:00+07:00`);
  const periodEnd = new Date(new Date(`${to}T00:00:00+07:00`).getTime() + 86_400_000);
  const missing = await unconfirmedCredits(db, accountNumber, periodStart, periodEnd);
  return {
    statementId,
    accountNumber,
    format: parsed.format,
    from,
    to,
    lines: parsed.lines.length - debits,
    alreadyKnown,
    created,
    debits,
    conflicts: missing.map((t) => ({
      transactionId: t.id,
      amount: t.amount,
      bookedAt: t.bookedAt.toISOString(),
      memo: t.memo,
      status: t.status,
      reason: 'not_in_statement',
    })),
  };
}
