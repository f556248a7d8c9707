import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classesOf,
  type FeeRequest,
  matches,
  NO_CLASS,
  searchText,
  studentsOf,
  tally,
} from '../../../src/counter/students.js';

let n = 0;
const fee = (over: Partial<FeeRequest>): FeeRequest => ({
  id: `r${++n}`,
  reference: `REF${n}`,
  payerRef: null,
  payerName: null,
  payerGroup: null,
  amount: 100_000,
  paidAmount: 0,
  status: 'open',
  ...over,
});

describe('students from fees', () => {
  it('adds a pupil’s fees up; over-paying one fee does not pay another', () => {
    const [s] = studentsOf([
      fee({ payerRef: 'HS1', payerName: 'An', payerGroup: '6A', amount: 500_000, paidAmount: 700_000 }),
      fee({ payerRef: 'HS1', payerName: 'An', payerGroup: '6A', amount: 300_000, paidAmount: 0 }),
    ]);
    expect(s).toMatchObject({
      key: 'HS1',
      due: 800_000,
      paid: 700_000,
      owing: 300_000,
      status: 'partial',
      requests: 2,
    });
  });

  it('leaves cancelled fees out, and keys a fee without a pupil code by the fee', () => {
    const loose = fee({ payerName: 'Khách lẻ' });
    const list = studentsOf([fee({ payerRef: 'HS2', status: 'cancelled' }), loose]);
    expect(list.map((s) => s.key)).toEqual([`request:${loose.id}`]);
    expect(list[0]!.name).toBe('Khách lẻ');
  });

  it('orders classes naturally and pupils by given name', () => {
    const classes = classesOf(
      studentsOf([
        fee({ payerRef: 'a', payerName: 'Trần Văn Bình', payerGroup: '10A' }),
        fee({ payerRef: 'b', payerName: 'Lê Thị An', payerGroup: '9A' }),
        fee({ payerRef: 'c', payerName: 'Nguyễn Văn Ánh', payerGroup: '9A' }),
        fee({ payerRef: 'd', payerName: 'Phạm Hà', payerGroup: null }),
      ]),
    );
    expect(classes.map((k) => k.group)).toEqual(['9A', '10A', null]);
    expect(classes[0]!.students.map((s) => s.payerRef)).toEqual(['b', 'c']);
  });

  it('searches without Vietnamese marks, by name or code, and filters by class and status', () => {
    const [s] = studentsOf([
      fee({ payerRef: 'HS0042', payerName: 'Đặng Thị Ánh', payerGroup: '6A', paidAmount: 1 }),
    ]);
    expect(searchText('  Đặng   THỊ ánh ')).toBe('dang thi anh');
    expect(matches(s!, { q: 'dang thi' })).toBe(true);
    expect(matches(s!, { q: 'hs0042' })).toBe(true);
    expect(matches(s!, { q: 'binh' })).toBe(false);
    expect(matches(s!, { group: '6A', status: 'owing' })).toBe(true);
    expect(matches(s!, { group: NO_CLASS })).toBe(false);
    expect(matches(s!, { status: 'unpaid' })).toBe(false);
  });

  const fees = fc.array(
    fc.record({
      payerRef: fc.option(fc.constantFrom('HS1', 'HS2', 'HS3', 'HS4'), { nil: null }),
      payerGroup: fc.option(fc.constantFrom('6A', '6B', '10A'), { nil: null }),
      amount: fc.integer({ min: 1, max: 50_000_000 }),
      paidAmount: fc.integer({ min: 0, max: 60_000_000 }),
      status: fc.constantFrom('open', 'partially_paid', 'paid', 'overpaid', 'expired', 'cancelled'),
    }),
    { maxLength: 40 },
  );

  it('money is neither lost nor made up: totals equal the sum over counted fees (property)', () => {
    fc.assert(
      fc.property(fees, (rows) => {
        const requests = rows.map((r) => fee(r));
        const counted = requests.filter((r) => r.status !== 'cancelled');
        const t = tally(studentsOf(requests));
        expect(t.due).toBe(counted.reduce((s, r) => s + r.amount, 0));
        expect(t.collected).toBe(counted.reduce((s, r) => s + r.paidAmount, 0));
        expect(t.owing).toBe(counted.reduce((s, r) => s + Math.max(0, r.amount - r.paidAmount), 0));
        expect(t.paid + t.partial + t.unpaid).toBe(t.students);
        const classes = classesOf(studentsOf(requests));
        expect(classes.reduce((s, k) => s + k.tally.owing, 0)).toBe(t.owing);
      }),
    );
  });

  it('"owing" is exactly the pupils not paid in full, and each status is what the amounts say (property)', () => {
    fc.assert(
      fc.property(fees, (rows) => {
        for (const s of studentsOf(rows.map((r) => fee(r)))) {
          expect(matches(s, { status: 'owing' })).toBe(s.owing > 0);
          expect(s.status).toBe(s.owing === 0 ? 'paid' : s.paid > 0 ? 'partial' : 'unpaid');
        }
      }),
    );
  });
});
