import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExpiry } from '../../../src/payment-requests/dates.js';
import { qrPurpose } from '../../../src/payment-requests/purpose.js';
import { csvRowToItem, validateFeeItem } from '../../../src/payment-requests/rows.js';
import { foldVietnamese } from '../../../src/vietqr/fold.js';
import { extractReferenceCodes } from '../../../src/vietqr/memo.js';
import { generateReferenceCode } from '../../../src/vietqr/reference-code.js';

const now = new Date('2026-09-01T03:00:00Z');
const fold = (s: string) =>
  foldVietnamese(s)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

describe('validateFeeItem', () => {
  it('accepts a fee and fills the batch defaults', () => {
    const r = validateFeeItem({ amount: 150000, payerRef: 'HS1' }, { category: 'school_fee' }, now);
    expect(r).toEqual({
      ok: true,
      value: expect.objectContaining({
        amount: 150000,
        category: 'school_fee',
        payerRef: 'HS1',
        expiresAt: null,
      }),
    });
  });

  it('gives every bad item a stable code', () => {
    const code = (item: unknown, defaults = {}) => {
      const r = validateFeeItem(item, { category: 'water', ...defaults }, now);
      return r.ok ? 'ok' : r.error.code;
    };
    expect(code({ amount: 0 })).toBe('invalid_amount');
    expect(code({ amount: -1 })).toBe('invalid_amount');
    expect(code({ amount: 1.5 })).toBe('invalid_amount');
    expect(code({ amount: '150000' })).toBe('invalid_amount');
    expect(code({})).toBe('missing_amount');
    expect(code({ amount: 500_000_001 })).toBe('amount_too_large');
    expect(code({ amount: 1, category: 'beer' })).toBe('unknown_category');
    expect(code({ amount: 1 }, { category: undefined })).toBe('missing_category');
    expect(code({ amount: 1, expiresAt: '31/02/2026' })).toBe('invalid_expiry');
    expect(code({ amount: 1, expiresAt: '2026-08-31' })).toBe('expiry_in_past');
    expect(code({ amount: 1, expiresAt: '2026-09-01' })).toBe('ok');
    expect(code({ amount: 1, colour: 'red' })).toBe('unknown_field');
    expect(code({ amount: 1, payerRef: 'x'.repeat(65) })).toBe('invalid_field');
    expect(code('not an object')).toBe('invalid_field');
  });

  it('reads CSV cells: vi-VN amounts and Vietnamese category names', () => {
    const item = csvRowToItem({ row: 2, values: { amount: '1.500.000', category: 'Tiền nước' } }, fold);
    expect(item).toEqual({ ok: true, value: { amount: 1_500_000, category: 'water' } });
    expect(csvRowToItem({ row: 2, values: { amount: '1,5' } }, fold)).toMatchObject({
      ok: false,
      error: { code: 'invalid_amount' },
    });
    expect(csvRowToItem({ row: 2, values: {} }, fold)).toMatchObject({
      ok: false,
      error: { code: 'missing_amount' },
    });
  });
});

describe('parseExpiry', () => {
  it('takes a day as "by the end of that day" in Asia/Ho_Chi_Minh', () => {
    expect(parseExpiry('2026-09-30')?.toISOString()).toBe('2026-09-30T17:00:00.000Z');
    expect(parseExpiry('30/09/2026')?.toISOString()).toBe('2026-09-30T17:00:00.000Z');
    expect(parseExpiry('1/10/2026')?.toISOString()).toBe('2026-10-01T17:00:00.000Z');
    expect(parseExpiry('2026-09-30T10:00:00+07:00')?.toISOString()).toBe('2026-09-30T03:00:00.000Z');
    expect(parseExpiry('31/02/2026')).toBeUndefined();
    expect(parseExpiry('2026-09-30T10:00:00')).toBeUndefined();
    expect(parseExpiry('tomorrow')).toBeUndefined();
  });
});

describe('qrPurpose', () => {
  it('starts with the reference, folds the rest and fits in 25 characters', () => {
    expect(qrPurpose('CC4KXP7RMH', 'Học phí tháng 9 – lớp 6A')).toBe('CC4KXP7RMH Hoc phi thang');
    expect(qrPurpose('CC4KXP7RMH', null)).toBe('CC4KXP7RMH');
  });

  it('always carries a reference reconciliation finds again in the memo', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (purpose) => {
        const reference = generateReferenceCode();
        const text = qrPurpose(reference, purpose);
        expect(text.length).toBeLessThanOrEqual(25);
        expect(text.startsWith(reference)).toBe(true);
        expect(/^[A-Za-z0-9 ]+$/.test(text)).toBe(true);
        expect(extractReferenceCodes(`MBVCB.123.${text}.CT tu 0123 NGUYEN VAN A`)).toContain(reference);
      }),
    );
  });
});
