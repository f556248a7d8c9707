import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkAmount,
  formatVnd,
  MAX_PAYMENT_AMOUNT,
  parseVndAmount,
} from '../../../src/payment-requests/amount.js';

const vi = new Intl.NumberFormat('vi-VN');
const en = new Intl.NumberFormat('en-US');
const payable = fc.integer({ min: 1, max: MAX_PAYMENT_AMOUNT });

describe('parseVndAmount', () => {
  it('reads the ways a spreadsheet writes an amount', () => {
    expect(parseVndAmount('1.500.000')).toBe(1_500_000);
    expect(parseVndAmount('1500000')).toBe(1_500_000);
    expect(parseVndAmount('1,500,000')).toBe(1_500_000);
    expect(parseVndAmount('1.500.000,00')).toBe(1_500_000);
    expect(parseVndAmount('1500000.00')).toBe(1_500_000);
    expect(parseVndAmount(' 1.500.000 ₫ ')).toBe(1_500_000);
    expect(parseVndAmount('1.500.000đ')).toBe(1_500_000);
    expect(parseVndAmount('1.500.000 VNĐ')).toBe(1_500_000);
    expect(parseVndAmount('1 500 000')).toBe(1_500_000);
    expect(parseVndAmount('1\u00a0500\u00a0000')).toBe(1_500_000);
    expect(parseVndAmount('500.000')).toBe(500_000);
    expect(parseVndAmount('1.000')).toBe(1_000);
  });

  it('refuses fractions, zero, negatives, words and absurd sizes with a stable code', () => {
    for (const bad of ['1,5', '1.5', '1.500.000,5', '12.50', '1500000.5']) {
      expect(parseVndAmount(bad), bad).toMatchObject({ code: 'invalid_amount' });
    }
    for (const bad of [
      '0',
      '0.000',
      '-150000',
      '−150.000',
      'abc',
      '',
      '1.5E+06',
      '1.50.000',
      '1,50,000',
      '15 00',
    ]) {
      expect(parseVndAmount(bad), bad).toMatchObject({ code: 'invalid_amount' });
    }
    expect(parseVndAmount('500.000.001')).toMatchObject({ code: 'amount_too_large' });
    expect(parseVndAmount('99999999999999999999')).toMatchObject({ code: 'amount_too_large' });
    expect(parseVndAmount(String(MAX_PAYMENT_AMOUNT))).toBe(MAX_PAYMENT_AMOUNT);
  });

  it('reads back any payable amount written the vi-VN way, the en-US way or plain, with or without ₫', () => {
    fc.assert(
      fc.property(payable, fc.constantFrom('vi', 'en', 'plain', 'vnd'), (n, style) => {
        const text =
          style === 'vi'
            ? vi.format(n)
            : style === 'en'
              ? en.format(n)
              : style === 'vnd'
                ? formatVnd(n)
                : String(n);
        expect(parseVndAmount(text)).toBe(n);
      }),
    );
  });

  it('never reads a fraction as a whole amount', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 99 }),
        fc.constantFrom('.', ','),
        (n, cents, mark) => {
          const result = parseVndAmount(`${n}${mark}${String(cents).padStart(2, '0')}`);
          expect(typeof result === 'number' ? result : 'refused').not.toBe(n);
          // A two-digit tail can never be a thousands group: it is a fraction, and refused.
          expect(typeof result).toBe('object');
        },
      ),
    );
  });

  it('only ever returns payable integers', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (s) => {
        const result = parseVndAmount(s);
        if (typeof result === 'number') expect(checkAmount(result)).toBeUndefined();
        else expect(['invalid_amount', 'amount_too_large']).toContain(result.code);
      }),
    );
  });
});

describe('checkAmount', () => {
  it('holds the line at one VietQR transfer', () => {
    expect(checkAmount(1)).toBeUndefined();
    expect(checkAmount(MAX_PAYMENT_AMOUNT)).toBeUndefined();
    expect(checkAmount(MAX_PAYMENT_AMOUNT + 1)?.code).toBe('amount_too_large');
    expect(checkAmount(0)?.code).toBe('invalid_amount');
    expect(checkAmount(-5)?.code).toBe('invalid_amount');
    expect(checkAmount(1.5)?.code).toBe('invalid_amount');
    expect(checkAmount(Number.NaN)?.code).toBe('invalid_amount');
  });
});

describe('formatVnd', () => {
  it('writes amounts as a Vietnamese reader expects', () => {
    expect(formatVnd(1_500_000)).toBe('1.500.000\u00a0₫');
  });
});
