import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cpuMicrosPerOp,
  dueNow,
  formatMb,
  formatMs,
  formatRate,
  formatRatio,
  formatTable,
  lsnBytes,
  parseProcCpuMs,
  parseVmRss,
  percentile,
  perSecond,
  ratioOf,
  summarize,
  walBytesPerOp,
} from '../../../load-tests/stats.js';

describe('percentile (nearest rank)', () => {
  it('picks observed samples: p50 of 1..10 is 5, p95 and p99 are 10, p0 is the first', () => {
    const s = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(s, 50)).toBe(5);
    expect(percentile(s, 90)).toBe(9);
    expect(percentile(s, 95)).toBe(10);
    expect(percentile(s, 99)).toBe(10);
    expect(percentile(s, 100)).toBe(10);
    expect(percentile(s, 0)).toBe(1);
  });

  it('of 100 samples 1..100, pN is N', () => {
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    for (const p of [1, 50, 95, 99, 100]) expect(percentile(s, p)).toBe(p);
  });

  it('is NaN without samples and refuses a p outside [0, 100]', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
  });

  it('has at least p% of the samples at or below it, and fewer than p% strictly below', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 100 }),
        (values, p) => {
          const sorted = [...values].sort((a, b) => a - b);
          const v = percentile(sorted, p);
          expect(sorted).toContain(v);
          const atOrBelow = sorted.filter((x) => x <= v).length;
          const below = sorted.filter((x) => x < v).length;
          expect(atOrBelow / sorted.length).toBeGreaterThanOrEqual(p / 100 - 1e-12);
          expect(below / sorted.length).toBeLessThan(p / 100 + 1e-12);
        },
      ),
    );
  });
});

describe('summarize', () => {
  it('sorts a copy and reports count, mean, p50/p95/p99 and max', () => {
    const input = [5, 1, 4, 2, 3];
    const s = summarize(input);
    expect(s).toEqual({ count: 5, mean: 3, p50: 3, p95: 5, p99: 5, max: 5 });
    expect(input).toEqual([5, 1, 4, 2, 3]);
  });

  it('orders p50 ≤ p95 ≤ p99 ≤ max for any samples', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e5, noNaN: true }), { minLength: 1 }), (values) => {
        const s = summarize(values);
        expect(s.p50).toBeLessThanOrEqual(s.p95);
        expect(s.p95).toBeLessThanOrEqual(s.p99);
        expect(s.p99).toBeLessThanOrEqual(s.max);
        expect(s.max).toBe(Math.max(...values));
      }),
    );
  });

  it('of nothing is all NaN with a count of 0', () => {
    const s = summarize([]);
    expect(s.count).toBe(0);
    expect(s.p99).toBeNaN();
  });
});

describe('rates and ratios', () => {
  it('divides by time, and by the ceiling', () => {
    expect(perSecond(5000, 2)).toBe(2500);
    expect(perSecond(10, 0)).toBe(0);
    expect(ratioOf(2500, 10000)).toBe(0.25);
    expect(ratioOf(1, undefined)).toBeUndefined();
    expect(ratioOf(1, 0)).toBeUndefined();
  });

  it('CPU per operation from two readings in ms', () => {
    expect(cpuMicrosPerOp(1000, 1500, 1000)).toBe(500);
    expect(cpuMicrosPerOp(undefined, 1500, 1000)).toBeUndefined();
    expect(cpuMicrosPerOp(1000, 1500, 0)).toBeUndefined();
  });

  it('WAL positions as bytes, and WAL per operation between two of them', () => {
    expect(lsnBytes('0/0')).toBe(0n);
    expect(lsnBytes('0/16B3748')).toBe(0x16b3748n);
    // The high word counts 4 GiB each: a position past it must not lose it.
    expect(lsnBytes('16/B374D848')).toBe(0x16n * 2n ** 32n + 0xb374d848n);
    expect(walBytesPerOp('0/FFFFF000', '1/00001000', 2)).toBe(4096);
    expect(walBytesPerOp('0/0', '0/1000', 0)).toBeUndefined();
    expect(() => lsnBytes('garbage')).toThrow(RangeError);
  });
});

describe('formatting', () => {
  it('numbers as people read them', () => {
    expect(formatRate(12345.6)).toBe('12,346');
    expect(formatRate(7.46)).toBe('7.5');
    expect(formatRate(undefined)).toBe('–');
    expect(formatMs(0.421)).toBe('0.42');
    expect(formatMs(3.14)).toBe('3.1');
    expect(formatMs(27.4)).toBe('27');
    expect(formatMs(1204.2)).toBe('1,204');
    expect(formatMs(Number.NaN)).toBe('–');
    expect(formatRatio(0.4567)).toBe('46%');
    expect(formatRatio(0.0321)).toBe('3.2%');
    expect(formatRatio(1.5)).toBe('150%');
    expect(formatMb(150 * 1024 * 1024)).toBe('150 MB');
  });

  it('a table with aligned columns and the ratio to the ceiling', () => {
    const table = formatTable([
      { name: 'ceiling: hello', rate: 20000, latency: { p50: 1, p95: 2.5, p99: 4 }, errors: 0 },
      {
        name: 'qr png',
        rate: 5000,
        latency: { p50: 3, p95: 9.9, p99: 14 },
        errors: 2,
        ceiling: { name: 'hello', rate: 20000 },
        cpu: { api: 180.4 },
      },
    ]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(4);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[0]).toMatch(/^\| scenario\s+\| rate\/s \| p50 ms \| p95 ms \| p99 ms \| errors \|/);
    expect(lines[1]).toMatch(/^\|-+\|-+:\|/);
    expect(lines[2]).toContain('20,000');
    expect(lines[3]).toContain('25% of hello');
    expect(lines[3]).toContain(' 9.9 ');
    expect(lines[3]).toMatch(/\|\s+180 \|/);
    expect(lines[3]).toMatch(/\|\s+2 \|/);
  });
});

describe('pacing', () => {
  it('sends what is due by now, catching up after a late tick, never past the total', () => {
    expect(dueNow(0, 2000, 0, 100)).toBe(0);
    expect(dueNow(10, 2000, 0, 100)).toBe(20);
    expect(dueNow(10, 2000, 20, 100)).toBe(0);
    expect(dueNow(25, 2000, 20, 100)).toBe(30);
    expect(dueNow(1000, 2000, 50, 100)).toBe(50);
  });

  it('over a run, the sum of what is sent equals the rate times the time', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 200 }), (ticks) => {
        let t = 0;
        let sent = 0;
        for (const dt of ticks) {
          t += dt;
          sent += dueNow(t, 1000, sent, Number.MAX_SAFE_INTEGER);
        }
        expect(sent).toBe(Math.floor(t));
      }),
    );
  });
});

describe('/proc parsing', () => {
  it('reads VmRSS in bytes', () => {
    expect(parseVmRss('Name:\tnode\nVmPeak:\t 999 kB\nVmRSS:\t  204800 kB\nThreads: 11\n')).toBe(
      204800 * 1024,
    );
    expect(parseVmRss('Name:\tnode\n')).toBeUndefined();
  });

  it('reads user + system CPU from /proc/<pid>/stat, even with spaces and parentheses in the name', () => {
    const stat = '4242 (node (api) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0 9999';
    expect(parseProcCpuMs(stat, 100)).toBe(3000);
    expect(parseProcCpuMs('garbage')).toBeUndefined();
  });
});
