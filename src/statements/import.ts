import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';
import { recordAndMatch } from '../transactions/ingest.js';
import { unconfirmedCredits } from '../transactions/store.js';
import { parseCamt053 } from './camt053.js';
import { parseStatementCsv } from './csv.js';
import { type ParsedStatement, StatementError, type StatementLine, vietnamDay } from './line.js';

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

  // Debit lines are counted, not reconciled: the service reconciles what its payees receive.
  const credits = parsed.lines.filter((l) => l.direction === 'in');
  let alreadyKnown = 0;
  let created = 0;
  for (let at = 0; at < credits.length; at += LINES_PER_BATCH) {
    const batch = credits.slice(at, at + LINES_PER_BATCH);
    const lineIds = await storeLines(db, statementId, accountNumber, batch);
    const recorded = await recordAndMatch(
      db,
      batch.map((line) => ({
        channel: 'statement',
        sourceRef: `${accountNumber}:${line.lineKey}`,
        statementLineId: lineIds.get(line.lineKey)!,
        direction: 'in',
        accountNumber,
        amount: line.amount,
        memo: line.memo,
        bookedAt: line.bookedAt,
        bookedDateOnly: line.dateOnly,
        counterpartyAccount: line.counterpartyAccount,
        counterpartyName: line.counterpartyName,
        bankReference: line.reference,
      })),
    );
    for (const r of recorded) {
      if (r.outcome === 'created') created++;
      else alreadyKnown++;
    }
  }

  const periodStart = new Date(`${from}T00:00:00+07:00`);
  const periodEnd = new Date(new Date(`${to}T00:00:00+07:00`).getTime() + 86_400_000);
  const missing = await unconfirmedCredits(db, accountNumber, periodStart, periodEnd);
  return {
    statementId,
    accountNumber,
    format: parsed.format,
    from,
    to,
    lines: credits.length,
    alreadyKnown,
    created,
    debits: parsed.lines.length - credits.length,
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

/**
 * Lines per batch: each batch is stored in one statement, then recorded and matched as callbacks are
 * (recordAndMatch), so a market's day of several thousand lines is a few dozen statements, not three
 * database round trips per line.
 */
const LINES_PER_BATCH = 500;

/**
 * Stores a batch of credit lines, each once per account however often it is imported (its line key), and
 * returns every line's id by line key, the new and the already stored alike.
 */
async function storeLines(
  db: Db,
  statementId: string,
  accountNumber: string,
  lines: StatementLine[],
): Promise<Map<string, number>> {
  const input = JSON.stringify(
    lines.map((l) => ({
      line_key: l.lineKey,
      amount: l.amount,
      booked_at: l.bookedAt.toISOString(),
      memo: l.memo,
      reference: l.reference ?? null,
      raw: l.raw,
    })),
  );
  // The select does not see the insert's rows (one snapshot), so each line comes back once: new or old.
  const rows = await queryRows<{ id: number; lineKey: string }>(
    db,
    sql`with input as (
          select * from jsonb_to_recordset(${input}::jsonb)
            as x(line_key text, amount int8, booked_at timestamptz, memo text, reference text, raw text)
        ), ins as (
          insert into statement_lines (statement_id, account_number, line_key, direction, amount, booked_at, memo, reference, raw)
          select ${statementId}, ${accountNumber}, line_key, 'in', amount, booked_at, memo, reference, raw from input
          on conflict (account_number, line_key) do nothing
          returning id, line_key
        )
        select id, line_key as "lineKey" from ins
        union all
        select id, line_key from statement_lines
        where account_number = ${accountNumber} and line_key in (select line_key from input)`,
  );
  return new Map(rows.map((r) => [r.lineKey, Number(r.id)]));
}
