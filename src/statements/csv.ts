/**
 * Bank statements as Vietnamese banks export them to CSV (Vietcombank, BIDV, VietinBank, MB, Techcombank,
 * ACB …): a few title rows (bank, "Số tài khoản: …", period), then a header row in Vietnamese (or English),
 * then one row per booked line. Columns differ by bank; they are found by name, diacritics folded:
 * date ("Ngày giao dịch", "Ngày GD", "Ngày hiệu lực", "Transaction date"), credit ("Số tiền ghi có",
 * "Ghi có", "Phát sinh có", "Credit"), debit ("Ghi nợ", "Debit"), or one signed "Số tiền"/"Amount";
 * memo ("Nội dung", "Mô tả", "Diễn giải", "Chi tiết giao dịch", "Description"); reference ("Số tham
 * chiếu", "Mã giao dịch", "Số bút toán", "Reference"). Separators , ; or tab; a UTF-8 BOM is ignored.
 */
import { parse } from 'csv-parse/sync';
import { isTransactionAmount } from '../transactions/amount.js';
import { foldVietnamese } from '../vietqr/fold.js';
import {
  amountTooLarge,
  assignLineKeys,
  type ParsedStatement,
  parseBankDate,
  parseVnd,
  StatementError,
  type StatementLine,
  vietnamDay,
} from './line.js';

const norm = (s: string) =>
  foldVietnamese(s)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

type Columns = {
  date: number;
  credit?: number;
  debit?: number;
  amount?: number;
  memo: number;
  reference?: number;
  counterparty?: number;
};

function findColumn(header: string[], names: string[], exclude: number[] = []): number | undefined {
  for (const name of names) {
    const i = header.findIndex((h, idx) => !exclude.includes(idx) && (h === name || h.includes(name)));
    if (i >= 0) return i;
  }
  return undefined;
}

function columnsOf(row: string[]): Columns | undefined {
  const h = row.map(norm);
  const date = findColumn(h, [
    'ngay giao dich',
    'ngay gd',
    'ngay hach toan',
    'ngay hieu luc',
    'transaction date',
    'ngay',
    'date',
    'thoi gian',
  ]);
  const credit = findColumn(h, ['so tien ghi co', 'ghi co', 'phat sinh co', 'tien vao', 'credit']);
  const debit = findColumn(h, ['so tien ghi no', 'ghi no', 'phat sinh no', 'tien ra', 'debit']);
  const memo = findColumn(h, [
    'noi dung',
    'mo ta',
    'dien giai',
    'chi tiet giao dich',
    'description',
    'remark',
    'details',
  ]);
  const reference = findColumn(h, [
    'so tham chieu',
    'ma giao dich',
    'so but toan',
    'ma gd',
    'so ct',
    'reference',
    'ref no',
  ]);
  const counterparty = findColumn(h, ['ten doi ung', 'doi ung', 'nguoi chuyen', 'counterparty']);
  const used = [date, credit, debit, memo, reference].filter((i): i is number => i !== undefined);
  const amount = credit === undefined ? findColumn(h, ['so tien', 'amount'], used) : undefined;
  if (date === undefined || memo === undefined || (credit === undefined && amount === undefined))
    return undefined;
  return { date, credit, debit, amount, memo, reference, counterparty };
}

function detectDelimiter(text: string): string {
  const sample = text.split(/\r?\n/).slice(0, 30).join('\n');
  const counts = [',', ';', '\t'].map((d) => [d, sample.split(d).length] as const);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0]![0];
}

export function parseStatementCsv(text: string): ParsedStatement {
  const content = text.replace(/^\uFEFF/, '');
  let rows: string[][];
  try {
    rows = parse(content, {
      delimiter: detectDelimiter(content),
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      trim: true,
    }) as string[][];
  } catch (err) {
    throw new StatementError(`CSV could not be read: ${(err as Error).message}`);
  }
  let accountNumber: string | undefined;
  let periodFrom: string | undefined;
  let periodTo: string | undefined;
  let headerAt = -1;
  let cols: Columns | undefined;
  for (let i = 0; i < Math.min(rows.length, 40); i++) {
    const row = rows[i]!;
    cols = columnsOf(row);
    if (cols) {
      headerAt = i;
      break;
    }
    const line = row.join(' ');
    const acct = /(?:so tai khoan|account(?: number| no)?)\D{0,5}(\d{6,20})/.exec(
      norm(line).replace(/(\d) (?=\d)/g, '$1'),
    );
    if (acct) accountNumber ??= acct[1];
    const dates = [...line.matchAll(/\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}-\d{2}-\d{2}/g)].map((m) =>
      parseBankDate(m[0]),
    );
    if (/(tu ngay|from|ky|period)/.test(norm(line)) && dates.length >= 2 && dates[0] && dates[1]) {
      periodFrom = vietnamDay(dates[0].at);
      periodTo = vietnamDay(dates[1].at);
    }
  }
  if (!cols) throw new StatementError('No header row with a date, an amount and a description column');
  const lines: Omit<StatementLine, 'lineKey'>[] = [];
  const bad: { row: number; message: string }[] = [];
  for (let i = headerAt + 1; i < rows.length; i++) {
    const row = rows[i]!;
    const cell = (idx: number | undefined) => (idx === undefined ? '' : (row[idx] ?? '').trim());
    const dateText = cell(cols.date);
    // Footer rows ("Tổng cộng", totals, signatures) have no date.
    const date = parseBankDate(dateText);
    if (!date) {
      if (dateText && /^\d/.test(dateText))
        bad.push({ row: i + 1, message: `date "${dateText}" not understood` });
      continue;
    }
    let direction: 'in' | 'out';
    let amount: number;
    let amountText: string;
    const credit = cols.credit !== undefined ? parseVnd(cell(cols.credit)) : undefined;
    const debit = cols.debit !== undefined ? parseVnd(cell(cols.debit)) : undefined;
    if (credit !== undefined && credit !== 0) {
      direction = 'in';
      amount = Math.abs(credit);
      amountText = cell(cols.credit);
    } else if (debit !== undefined && debit !== 0) {
      direction = 'out';
      amount = Math.abs(debit);
      amountText = cell(cols.debit);
    } else if (cols.amount !== undefined) {
      amountText = cell(cols.amount);
      const signed = parseVnd(amountText);
      if (signed === undefined || signed === 0) {
        bad.push({ row: i + 1, message: `amount "${amountText}" not understood` });
        continue;
      }
      direction = signed > 0 ? 'in' : 'out';
      amount = Math.abs(signed);
    } else {
      const shown = cell(cols.credit) || cell(cols.debit);
      if (shown) bad.push({ row: i + 1, message: `amount "${shown}" not understood` });
      continue;
    }
    if (!isTransactionAmount(amount)) {
      bad.push({ row: i + 1, message: amountTooLarge(amountText) });
      continue;
    }
    lines.push({
      direction,
      amount,
      bookedAt: date.at,
      dateOnly: date.dateOnly,
      memo: cell(cols.memo),
      reference: cell(cols.reference) || undefined,
      counterpartyName: cell(cols.counterparty) || undefined,
      raw: row.join(','),
    });
  }
  if (bad.length > 0) throw new StatementError('Some rows could not be read; nothing was imported', bad);
  return { format: 'csv', accountNumber, periodFrom, periodTo, lines: assignLineKeys(lines) };
}
