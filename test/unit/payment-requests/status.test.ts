import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deriveStatus,
  outstanding,
  type PaymentRequestStatus,
  paymentRequestStatuses,
  terminalStatuses,
} from '../../../src/payment-requests/status.js';

const amount = fc.integer({ min: 1, max: 500_000_000 });
const paid = fc.integer({ min: 0, max: 1_000_000_000 });
const moneyStatus = fc.constantFrom<PaymentRequestStatus>('open', 'partially_paid', 'paid', 'overpaid');
const anyStatus = fc.constantFrom(...paymentRequestStatuses);

describe('deriveStatus', () => {
  it('names the four money states by how paid compares with the amount', () => {
    expect(deriveStatus('open', 100, 0)).toBe('open');
    expect(deriveStatus('open', 100, 1)).toBe('partially_paid');
    expect(deriveStatus('open', 100, 99)).toBe('partially_paid');
    expect(deriveStatus('open', 100, 100)).toBe('paid');
    expect(deriveStatus('open', 100, 101)).toBe('overpaid');
  });

  it('depends only on the amounts while the request is live, never on how it got there', () => {
    fc.assert(
      fc.property(moneyStatus, moneyStatus, amount, paid, (a, b, amt, p) => {
        expect(deriveStatus(a, amt, p)).toBe(deriveStatus(b, amt, p));
      }),
    );
  });

  it('keeps expired and cancelled whatever money arrives or is undone', () => {
    fc.assert(
      fc.property(fc.constantFrom(...terminalStatuses), amount, paid, (s, amt, p) => {
        expect(deriveStatus(s, amt, p)).toBe(s);
      }),
    );
  });

  it('is monotone: paying more never moves a request back towards open', () => {
    const rank = { open: 0, partially_paid: 1, paid: 2, overpaid: 3 } as Record<string, number>;
    fc.assert(
      fc.property(moneyStatus, amount, paid, fc.integer({ min: 0, max: 1_000_000 }), (s, amt, p, more) => {
        expect(rank[deriveStatus(s, amt, p + more)]!).toBeGreaterThanOrEqual(rank[deriveStatus(s, amt, p)]!);
      }),
    );
  });

  it('a payment and its undo come back to the status before', () => {
    fc.assert(
      fc.property(amount, paid, fc.integer({ min: 1, max: 500_000_000 }), (amt, p, x) => {
        const before = deriveStatus('open', amt, p);
        const after = deriveStatus(deriveStatus(before, amt, p + x), amt, p);
        expect(after).toBe(before);
      }),
    );
  });

  it('says paid exactly when nothing is outstanding and nothing is extra', () => {
    fc.assert(
      fc.property(amount, paid, anyStatus, (amt, p, s) => {
        const status = deriveStatus(s, amt, p);
        if (status === 'paid') expect(p).toBe(amt);
        if (!terminalStatuses.has(s))
          expect(outstanding(amt, p) === 0).toBe(status === 'paid' || status === 'overpaid');
        expect(outstanding(amt, p)).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});
