/**
 * Expiry of a payment request ("Hạn nộp"). An instant with its offset is taken as it is. A calendar day
 * ("2026-09-30", or "30/09/2026" as vi-VN spreadsheets write it) means "pay by the end of that day" in
 * Asia/Ho_Chi_Minh, so the request expires at the next day's midnight there (api.md: dates are calendar
 * days in Asia/Ho_Chi_Minh).
 */
import { TZDate } from '@date-fns/tz';

export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const VI_DAY = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** The first instant after calendar day y-m-d in Asia/Ho_Chi_Minh; undefined for a day that does not exist. */
export function endOfDay(y: number, m: number, d: number): Date | undefined {
  const day = new TZDate(y, m - 1, d, TIME_ZONE);
  if (day.getFullYear() !== y || day.getMonth() !== m - 1 || day.getDate() !== d) return undefined;
  return new Date(new TZDate(y, m - 1, d + 1, TIME_ZONE).getTime());
}

/** The start of calendar day y-m-d in Asia/Ho_Chi_Minh. */
export function startOfDay(y: number, m: number, d: number): Date | undefined {
  const day = new TZDate(y, m - 1, d, TIME_ZONE);
  if (day.getFullYear() !== y || day.getMonth() !== m - 1 || day.getDate() !== d) return undefined;
  return new Date(day.getTime());
}

const parsedExpiries = new Map<string, Date | undefined>();

/**
 * Reads an expiry; undefined when the text is none of the accepted forms. A fee list repeats one due
 * date on every row and time-zone arithmetic is not free, so answers are remembered (a few thousand).
 */
export function parseExpiry(text: string): Date | undefined {
  if (parsedExpiries.has(text)) {
    const hit = parsedExpiries.get(text);
    return hit && new Date(hit.getTime());
  }
  if (parsedExpiries.size >= 5000) parsedExpiries.clear();
  const parsed = readExpiry(text.trim());
  parsedExpiries.set(text, parsed);
  return parsed && new Date(parsed.getTime());
}

function readExpiry(s: string): Date | undefined {
  let m = ISO_DAY.exec(s);
  if (m) return endOfDay(Number(m[1]), Number(m[2]), Number(m[3]));
  m = VI_DAY.exec(s);
  // Day first: vi-VN writes 30/09/2026, never 09/30/2026.
  if (m) return endOfDay(Number(m[3]), Number(m[2]), Number(m[1]));
  if (ISO_INSTANT.test(s)) {
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

export const EXPIRY_FORMATS = 'an ISO 8601 instant with offset, or a day as YYYY-MM-DD or DD/MM/YYYY';

/** A YYYY-MM-DD query bound: `from` is the day's start, `to` the end of the day (exclusive). */
export function dayBound(day: string, bound: 'from' | 'to'): Date | undefined {
  const m = ISO_DAY.exec(day);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return bound === 'from' ? startOfDay(y, mo, d) : endOfDay(y, mo, d);
}
