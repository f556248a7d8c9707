import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cashlessRatio, ratios, share } from '../../../src/metrics/ratio.js';

const amount = fc.integer({ min: 0, max: 10 ** 13 });

describe('cashlessRatio', () => {
  it('is null exactly when there is nothing to measure', () => {
    expect(cashlessRatio(0, 0)).toBeNull();
    fc.assert(fc.property(amount, amount, (a, b) => (cashlessRatio(a, b) === null) === (a === 0 && b === 0)));
  });

  it('is a share in [0, 1]: 1 when all is cashless, 0 when all is cash', () => {
    fc.assert(
      fc.property(amount, amount, (a, b) => {
        const r = cashlessRatio(a, b);
        return r === null || (r >= 0 && r <= 1);
      }),
    );
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 ** 13 }), (a) => cashlessRatio(a, 0) === 1));
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 ** 13 }), (b) => cashlessRatio(0, b) === 0));
  });

  it('cashless and cash shares add up to 1 (within rounding) and follow a/(a+b)', () => {
    fc.assert(
      fc.property(amount, amount, (a, b) => {
        fc.pre(a + b > 0);
        const r = cashlessRatio(a, b)!;
        expect(Math.abs(r + cashlessRatio(b, a)! - 1)).toBeLessThanOrEqual(1e-6);
        expect(Math.abs(r - a / (a + b))).toBeLessThanOrEqual(5e-7);
      }),
    );
  });

  it('grows with more cashless and falls with more cash', () => {
    fc.assert(
      fc.property(amount, amount, fc.integer({ min: 1, max: 10 ** 6 }), (a, b, d) => {
        fc.pre(a + b > 0);
        expect(cashlessRatio(a + d, b)!).toBeGreaterThanOrEqual(cashlessRatio(a, b)!);
        expect(cashlessRatio(a, b + d)!).toBeLessThanOrEqual(cashlessRatio(a, b)!);
      }),
    );
  });

  it('reads a negative sum (an undo before its payment) as nothing, so it stays a share', () => {
    expect(cashlessRatio(-5, 10)).toBe(0);
    expect(cashlessRatio(-5, -1)).toBeNull();
  });

  it('rounds to 6 decimals', () => {
    expect(cashlessRatio(1, 2)).toBe(0.333333);
    expect(cashlessRatio(2, 1)).toBe(0.666667);
  });
});

describe('ratios and share', () => {
  it('computes the three ratios of a slice', () => {
    expect(ratios({ count: 3, value: 300, payers: 1 }, { count: 1, value: 100, payers: 0 })).toEqual({
      count: 0.75,
      value: 0.75,
      payers: 1,
    });
  });

  it('adoption is null without households and never above 1', () => {
    expect(share(3, 0)).toBeNull();
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (part, whole) => {
        const s = share(part, whole);
        return whole === 0 ? s === null : s !== null && s >= 0 && s <= 1;
      }),
    );
  });
});
