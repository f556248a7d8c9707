import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  daysInRange,
  eachDay,
  eachMonth,
  isCalendarDate,
  monthStart,
  splitByMonths,
  vnDay,
} from '../../../src/metrics/day.js';

describe('vnDay', () => {
  it('takes the calendar day in Asia/Ho_Chi_Minh (UTC+7)', () => {
    expect(vnDay(new Date('2026-11-20T17:30:00Z'))).toBe('2026-11-21');
    expect(vnDay(new Date('2026-11-20T16:59:59Z'))).toBe('2026-11-20');
    expect(vnDay(new Date('2026-12-31T17:00:00Z'))).toBe('2027-01-01');
  });

  it('agrees with a fixed +07:00 offset for any instant (Vietnam keeps no summer time)', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }), (ms) => {
        expect(vnDay(new Date(ms))).toBe(new Date(ms + 7 * 3600_000).toISOString().slice(0, 10));
      }),
    );
  });
});

describe('calendar helpers', () => {
  it('accepts only real dates written YYYY-MM-DD', () => {
    expect(isCalendarDate('2028-02-29')).toBe(true);
    for (const bad of ['2026-02-29', '2026-13-01', '2026-1-01', '01/03/2026', '2026-11-31', ''])
      expect(isCalendarDate(bad)).toBe(false);
  });

  it('counts, lists days and months of a range', () => {
    expect(daysInRange('2026-11-01', '2026-11-01')).toBe(1);
    expect(daysInRange('2024-01-01', '2024-12-31')).toBe(366);
    expect(eachDay('2026-12-30', '2027-01-02')).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ]);
    expect(eachMonth('2026-11-15', '2027-02-01')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    expect(monthStart('2026-03-15', 3)).toBe('2025-12-01');
  });
});

describe('splitByMonths', () => {
  it('reads whole months from the monthly set and only the edge days from the daily one', () => {
    expect(splitByMonths('2026-11-01', '2026-12-31')).toEqual({
      months: { first: '2026-11-01', last: '2026-12-01' },
      days: [],
    });
    expect(splitByMonths('2026-11-15', '2027-01-10')).toEqual({
      months: { first: '2026-12-01', last: '2026-12-01' },
      days: [
        { from: '2026-11-15', to: '2026-11-30' },
        { from: '2027-01-01', to: '2027-01-10' },
      ],
    });
    expect(splitByMonths('2026-11-01', '2026-11-29')).toEqual({
      days: [{ from: '2026-11-01', to: '2026-11-29' }],
    });
  });

  it('covers every day of the range exactly once', () => {
    const day = fc.integer({ min: 0, max: 3000 }).map((n) => addDays('2024-01-01', n));
    fc.assert(
      fc.property(day, fc.integer({ min: 0, max: 800 }), (from, length) => {
        const to = addDays(from, length);
        const { months, days } = splitByMonths(from, to);
        const covered = days.flatMap((d) => eachDay(d.from, d.to));
        if (months) {
          expect(months.first.endsWith('-01') && months.last.endsWith('-01')).toBe(true);
          const lastDay = addDays(monthStart(addDays(months.last, 31)), -1);
          covered.push(...eachDay(months.first, lastDay));
        }
        expect(covered.sort()).toEqual(eachDay(from, to));
      }),
      { numRuns: 300 },
    );
  });
});
