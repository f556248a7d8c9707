import { createHash } from 'node:crypto';
import { MAX_TRANSACTION_AMOUNT } from '../transactions/amount.js';
import { compactMemo } from '../transactions/fingerprint.js';

/** One booked line of a bank statement, whatever its format. */
export type StatementLine = {
  /** Identifies the line across re-imports and overlapping statements of the same account. */
  lineKey: string;
  direction: 'in' | 'out';
  amount: number;
  bookedAt: Date;
  dateOnly: boolean;
  memo: string;
  reference?: string;
  counterpartyAccount?: string;
  counterpartyName?: string;
  /** The line as it was in the file (CSV row, or the camt.053 entry as JSON). */
  raw: string;
};

export type ParsedStatement = {
  format: 'csv' | 'camt.053';
  accountNumber?: string;
  /** Calendar days (Asia/Ho_Chi_Minh) the statement covers, when it says. */
  periodFrom?: string;
  periodTo?: string;
  lines: StatementLine[];
};

export class StatementError extends Error {
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/**
 * Line keys: the bank's reference when the line has one; otherwise a hash of day, amount and memo plus
 * the occurrence of that hash in the file (two identical payments on one day stay two lines).
 */
export function assignLineKeys(lines: Omit<StatementLine, 'lineKey'>[]): StatementLine[] {
  const seen = new Map<string, number>();
  return lines.map((l) => {
    const ref = l.reference ? compactMemo(l.reference) : '';
    let key: string;
    if (ref) key = `ref:${l.direction}:${ref}`;
    else {
      const day = vietnamDay(l.bookedAt);
      const h = createHash('sha256')
        .update(`${day}|${l.direction}|${l.amount}|${compactMemo(l.memo)}`)
        .digest('hex')
        .slice(0, 32);
      const n = (seen.get(h) ?? 0) + 1;
      seen.set(h, n);
      key = `h:${h}:${n}`;
    }
    return { ...l, lineKey: key };
  });
}

/** The calendar day in Asia/Ho_Chi_Minh (UTC+7 all year). */
export function vietnamDay(d: Date): string {
  return new Date(d.getTime() + 7 * 3600_000).toISOString().slice(0, 10);
}

/**
 * Whole VND from a bank's number: "1,500,000", "1.500.000", "1500000", "1,500,000.00", "+150000". A number
 * too large to be held exactly (beyond 2^53) is not an amount: read as one it would be some other amount.
 */
export function parseVnd(text: string): number | undefined {
  const amount = readVnd(text);
  return amount !== undefined && Number.isSafeInteger(amount) ? amount : undefined;
}

/**
 * Why a line is refused when its amount reads as a number but is larger than any transaction
 * (isTransactionAmount): a misplaced decimal mark or a balance read as an amount, not a payment.
 */
export function amountTooLarge(text: string): string {
  return `amount "${text}" is above ${MAX_TRANSACTION_AMOUNT.toLocaleString('en-US')} VND, the largest transaction accepted`;
}

function readVnd(text: string): number | undefined {
  let s = text.replace(/\s|VND|đ/gi, '');
  if (s === '' || s === '-') return undefined;
  let sign = 1;
  if (s.startsWith('+')) s = s.slice(1);
  else if (s.startsWith('-')) {
    sign = -1;
    s = s.slice(1);
  } else if (/^\(.*\)$/.test(s)) {
    sign = -1;
    s = s.slice(1, -1);
  }
  if (/^\d+$/.test(s)) return sign * Number(s);
  const grouped = /^(\d{1,3}(?:([.,])\d{3})+)(?:([.,])(\d{1,2}))?$/.exec(s);
  if (grouped) {
    if (grouped[3] && grouped[3] === grouped[2]) return undefined;
    if (grouped[4] && Number(grouped[4]) !== 0) return undefined; // fractions of a đồng do not exist
    return sign * Number(grouped[1]!.replace(/[.,]/g, ''));
  }
  const decimal = /^(\d+)[.,](\d{1,2})$/.exec(s);
  if (decimal && Number(decimal[2]) === 0) return sign * Number(decimal[1]);
  return undefined;
}

/**
 * A date (and maybe a time) as Vietnamese banks print it, in Vietnam time: "20/11/2026",
 * "20/11/2026 14:02:37", "20-11-2026 14:02", "2026-11-20", "2026-11-20T14:02:37".
 */
export function parseBankDate(text: string): { at: Date; dateOnly: boolean } | undefined {
  const s = text.trim();
  let y: string;
  let mo: string;
  let d: string;
  let rest: string;
  const dmy = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(.*)$/.exec(s);
  const ymd = /^(\d{4})-(\d{2})-(\d{2})(.*)$/.exec(s);
  if (dmy) [, d, mo, y, rest] = dmy as unknown as [string, string, string, string, string];
  else if (ymd) [, y, mo, d, rest] = ymd as unknown as [string, string, string, string, string];
  else return undefined;
  const time = /^(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$/.exec(rest);
  if (!time) return undefined;
  const pad = (v: string) => v.padStart(2, '0');
  const hh = time[1] ? pad(time[1]) : '00';
  const at = new Date(`${y}-${pad(mo)}-${pad(d)}T${hh}:${time[2] ?? '00'}:${time[3] ?? '00'}+07:00`);
  if (Number.isNaN(at.getTime())) return undefined;
  return { at, dateOnly: !time[1] };
}
