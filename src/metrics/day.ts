import { tz } from '@date-fns/tz';
import { format } from 'date-fns';

/** Metrics count days and months in Vietnam's calendar (design.md "Money and time"). */
export const METRICS_TIME_ZONE = 'Asia/Ho_Chi_Minh';
const vn = tz(METRICS_TIME_ZONE);

/** The calendar day (YYYY-MM-DD) of an instant in Asia/Ho_Chi_Minh: 2026-11-20T17:30Z is 2026-11-21. */
export function vnDay(instant: Date): string {
  return format(instant, 'yyyy-MM-dd', { in: vn });
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Is this a real calendar date written YYYY-MM-DD (no 2026-02-30)? */
export function isCalendarDate(value: string): boolean {
  const m = DAY.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

const dayMs = 86_400_000;
const toUtc = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** Days from `from` to `to`, both included (1 when equal, 0 or less when `from` is after `to`). */
export function daysInRange(from: string, to: string): number {
  return Math.round((toUtc(to) - toUtc(from)) / dayMs) + 1;
}

export function addDays(day: string, n: number): string {
  return new Date(toUtc(day) + n * dayMs).toISOString().slice(0, 10);
}

/** Every day from `from` to `to`, both included. */
export function eachDay(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** Every month (YYYY-MM) touched by the range. */
export function eachMonth(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.slice(0, 7).split('-').map(Number) as [number, number];
  const last = to.slice(0, 7);
  for (;;) {
    const key = `${y}-${String(m).padStart(2, '0')}`;
    if (key > last) break;
    out.push(key);
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

/** The first day of the month `months` before the month of `day` (0 = its own month). */
export function monthStart(day: string, monthsBack = 0): string {
  const [y, m] = day.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 - monthsBack, 1));
  return d.toISOString().slice(0, 10);
}

/**
 * The whole calendar months inside [from, to] (as first days), and the days left over at either end.
 * Distinct payers over whole months are read from payer_month_rollups, the rest from payer_rollups.
 */
export function splitByMonths(
  from: string,
  to: string,
): { months?: { first: string; last: string }; days: { from: string; to: string }[] } {
  const firstFull = from.endsWith('-01') ? from : monthStart(addDays(monthStart(from), 31));
  const afterTo = addDays(to, 1);
  const endFull = afterTo.endsWith('-01') ? afterTo : monthStart(afterTo); // first day after the last full month
  if (firstFull >= endFull) return { days: [{ from, to }] };
  const days: { from: string; to: string }[] = [];
  if (from < firstFull) days.push({ from, to: addDays(firstFull, -1) });
  if (endFull <= to) days.push({ from: endFull, to });
  return { months: { first: firstFull, last: monthStart(addDays(endFull, -1)) }, days };
}
