import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactMemo, memosCompatible, shareRun } from '../../../src/transactions/fingerprint.js';
import {
  channelOf,
  decideMatch,
  excessOf,
  paymentOutcome,
  type RequestFacts,
} from '../../../src/transactions/match.js';
import { generateReferenceCode } from '../../../src/vietqr/reference-code.js';

const request = (status: RequestFacts['status'], amount = 100, paidAmount = 0): RequestFacts => ({
  id: 'r',
  payeeId: 'p',
  amount,
  paidAmount,
  status,
});
const stall = { id: 'p', kind: 'market_vendor', bankBin: '970436' };

/** The longest common substring, the definition shareRun must agree with. */
function longestCommonRun(a: string, b: string): number {
  let best = 0;
  for (let i = 0; i < a.length; i++)
    for (let j = 0; j < b.length; j++) {
      let n = 0;
      while (i + n < a.length && j + n < b.length && a[i + n] === b[j + n]) n++;
      best = Math.max(best, n);
    }
  return best;
}

describe('shareRun', () => {
  it('says whether the longest common run is at least k', () => {
    const memo = fc.stringMatching(/^[ABC0-9]{0,30}$/);
    fc.assert(
      fc.property(memo, memo, fc.integer({ min: 0, max: 14 }), (a, b, k) => {
        expect(shareRun(a, b, k)).toBe(longestCommonRun(a, b) >= k);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('decideMatch', () => {
  it('follows the order: ignore, reference code, stall account, review', () => {
    expect(decideMatch({ direction: 'out', amount: 5 }, request('open'), stall)).toEqual({
      kind: 'ignore',
      reason: 'outgoing transfer',
    });
    expect(
      decideMatch({ direction: 'in', amount: 5, ignoreReason: 'payOS code 01' }, undefined, stall).kind,
    ).toBe('ignore');
    expect(decideMatch({ direction: 'in', amount: 100 }, request('open'), stall)).toMatchObject({
      kind: 'request',
      expected: 'matched',
    });
    expect(decideMatch({ direction: 'in', amount: 100 }, undefined, stall)).toEqual({
      kind: 'market_sale',
      payee: stall,
    });
    expect(decideMatch({ direction: 'in', amount: 100 }, undefined, { ...stall, kind: 'school' }).kind).toBe(
      'unmatched',
    );
    expect(decideMatch({ direction: 'in', amount: 100 }, undefined, undefined).kind).toBe('unmatched');
  });

  it('flags duplicates and payments to expired or cancelled requests for refund', () => {
    expect(decideMatch({ direction: 'in', amount: 100 }, request('paid', 100, 100), undefined)).toMatchObject(
      { expected: 'duplicate', refundDue: true },
    );
    expect(decideMatch({ direction: 'in', amount: 100 }, request('expired'), undefined)).toMatchObject({
      expected: 'matched',
      refundDue: true,
    });
    expect(decideMatch({ direction: 'in', amount: 100 }, request('cancelled'), undefined)).toMatchObject({
      refundDue: true,
    });
  });
});

describe('amount outcomes (property)', () => {
  it('partial until paid, exact → matched, more → overpaid with the excess refunded', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e9 }),
        fc.integer({ min: 0, max: 1e9 }),
        fc.integer({ min: 1, max: 1e9 }),
        (amount, paid, pay) => {
          const outcome = paymentOutcome(amount, paid, pay);
          const excess = excessOf(amount, paid, pay);
          if (paid >= amount) expect(outcome).toBe('duplicate');
          else if (paid + pay < amount) expect([outcome, excess]).toEqual(['partial', 0]);
          else if (paid + pay === amount) expect([outcome, excess]).toEqual(['matched', 0]);
          else expect([outcome, excess]).toEqual(['overpaid', paid + pay - amount]);
          expect(excess).toBeGreaterThanOrEqual(0);
          expect(excess).toBeLessThanOrEqual(pay);
        },
      ),
    );
  });

  it('channels: e-wallet BINs, QR when matched by code or stall, else transfer', () => {
    expect(channelOf({ receivingBin: '971025', viaQr: true })).toBe('ewallet');
    expect(channelOf({ receivingBin: '970436', viaQr: true })).toBe('qr');
    expect(channelOf({ receivingBin: null, viaQr: false })).toBe('transfer');
  });
});

describe('cross-channel memo fingerprint', () => {
  it('treats bank rewrites of one memo as the same credit', () => {
    const code = generateReferenceCode();
    const base = { referenceCodes: [], bankReference: null };
    expect(
      memosCompatible(
        { ...base, memo: 'NGUYEN VAN A chuyen tien mua rau' },
        { ...base, memo: 'MBVCB.3278614497.NGUYEN VAN A CHUYEN TIEN MUA RAU' },
      ),
    ).toBe(true);
    expect(
      memosCompatible(
        { ...base, memo: 'Nguyễn Văn A chuyển tiền mua rau cải xanh' },
        { ...base, memo: 'NGUYEN VAN A CHUYEN TIEN MUA' },
      ),
    ).toBe(true);
    expect(
      memosCompatible({ memo: 'x', referenceCodes: [code] }, { memo: 'y', referenceCodes: [code] }),
    ).toBe(true);
    expect(
      memosCompatible(
        { ...base, memo: 'a', bankReference: 'FT123' },
        { ...base, memo: 'b', bankReference: 'FT123' },
      ),
    ).toBe(true);
    expect(memosCompatible({ ...base, memo: '' }, { ...base, memo: 'anything' })).toBe(true);
  });

  it('keeps different payments apart', () => {
    const base = { referenceCodes: [], bankReference: null };
    expect(
      memosCompatible(
        { ...base, memo: 'TRAN THI B tra tien dien thang 10' },
        { ...base, memo: 'LE VAN C mua gao' },
      ),
    ).toBe(false);
    expect(
      memosCompatible(
        { memo: 'hoc phi', referenceCodes: [generateReferenceCode()] },
        { memo: 'hoc phi', referenceCodes: [generateReferenceCode()] },
      ),
    ).toBe(false);
  });

  it('a memo is always compatible with its bank-rewritten self (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 80 }),
        fc.constantFrom('MBVCB.123.', 'IBFT ', ''),
        fc.integer({ min: 20, max: 140 }),
        (memo, prefix, cut) => {
          const rewritten = (prefix + memo.toUpperCase()).slice(0, cut);
          // A cut that leaves too little of the payer's words (blanks first, then the cut) leaves nothing
          // to compare: then account, amount and time decide alone, and this property says nothing.
          const kept = compactMemo(memo.toUpperCase().slice(0, Math.max(0, cut - prefix.length)));
          fc.pre(kept.length >= Math.min(12, compactMemo(memo).length));
          const base = { referenceCodes: [], bankReference: null };
          expect(memosCompatible({ ...base, memo }, { ...base, memo: rewritten })).toBe(true);
        },
      ),
    );
    expect(shareRun('ABCDEF', 'XXCDEY', 3)).toBe(true);
    expect(shareRun('ABCDEF', 'XXCDEY', 4)).toBe(false);
    expect(compactMemo('Đợt 1 – học phí')).toBe('DOT1HOCPHI');
  });
});
