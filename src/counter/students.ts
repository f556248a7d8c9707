/**
 * The bursar's view of a school's fees: requests grouped into students (by payer reference) and
 * students into classes (payer group). Pure, so the page, the CSV and the live row update agree.
 */
import { outstanding } from '../payment-requests/status.js';
import { foldVietnamese } from '../vietqr/fold.js';

export type FeeRequest = {
  id: string;
  reference: string;
  payerRef: string | null;
  payerName: string | null;
  payerGroup: string | null;
  amount: number;
  paidAmount: number;
  status: string;
};

export const studentStatuses = ['paid', 'partial', 'unpaid'] as const;
export type StudentStatus = (typeof studentStatuses)[number];
export const statusFilters = ['all', 'owing', ...studentStatuses] as const;
export type StatusFilter = (typeof statusFilters)[number];

export type Student = {
  /** The payer reference (student code), or `request:<id>` for a fee without one. */
  key: string;
  payerRef: string | null;
  name: string;
  group: string | null;
  due: number;
  paid: number;
  /** What is still owed, fee by fee (over-paying one fee does not pay another: that money is refunded). */
  owing: number;
  status: StudentStatus;
  requests: number;
};

export const studentKey = (r: Pick<FeeRequest, 'id' | 'payerRef'>) => r.payerRef ?? `request:${r.id}`;

export function statusOf(s: Pick<Student, 'owing' | 'paid'>): StudentStatus {
  if (s.owing === 0) return 'paid';
  return s.paid > 0 ? 'partial' : 'unpaid';
}

/** Students from their fees; cancelled fees are not owed and do not count. */
export function studentsOf(requests: FeeRequest[]): Student[] {
  const byKey = new Map<string, Student>();
  for (const r of requests) {
    if (r.status === 'cancelled') continue;
    const key = studentKey(r);
    let s = byKey.get(key);
    if (!s) {
      s = {
        key,
        payerRef: r.payerRef,
        name: r.payerName ?? r.payerRef ?? r.reference,
        group: r.payerGroup,
        due: 0,
        paid: 0,
        owing: 0,
        status: 'unpaid',
        requests: 0,
      };
      byKey.set(key, s);
    }
    if (s.name === s.payerRef && r.payerName) s.name = r.payerName;
    s.group ??= r.payerGroup;
    s.due += r.amount;
    s.paid += r.paidAmount;
    s.owing += outstanding(r.amount, r.paidAmount);
    s.requests++;
  }
  const students = [...byKey.values()];
  for (const s of students) s.status = statusOf(s);
  return students;
}

const collator = new Intl.Collator('vi', { numeric: true, sensitivity: 'base' });
/** Vietnamese class lists go by given name (the last word), then the whole name. */
const givenName = (name: string) => name.trim().split(/\s+/).pop() ?? name;
export function compareStudents(a: Student, b: Student): number {
  return (
    collator.compare(givenName(a.name), givenName(b.name)) ||
    collator.compare(a.name, b.name) ||
    collator.compare(a.key, b.key)
  );
}

export type Tally = {
  students: number;
  paid: number;
  partial: number;
  unpaid: number;
  due: number;
  collected: number;
  owing: number;
};

export function tally(students: Student[]): Tally {
  const t: Tally = { students: 0, paid: 0, partial: 0, unpaid: 0, due: 0, collected: 0, owing: 0 };
  for (const s of students) {
    t.students++;
    t[s.status]++;
    t.due += s.due;
    t.collected += s.paid;
    t.owing += s.owing;
  }
  return t;
}

export type SchoolClass = { group: string | null; students: Student[]; tally: Tally };

/** Classes in natural order ("6A" < "6B" < "10A"), the class-less last; students by given name. */
export function classesOf(students: Student[]): SchoolClass[] {
  const byGroup = new Map<string | null, Student[]>();
  for (const s of students) {
    const list = byGroup.get(s.group);
    if (list) list.push(s);
    else byGroup.set(s.group, [s]);
  }
  return [...byGroup.entries()]
    .sort(([a], [b]) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : collator.compare(a, b)))
    .map(([group, list]) => ({ group, students: list.sort(compareStudents), tally: tally(list) }));
}

/** Lower-case, without Vietnamese marks: "Đặng Thị Ánh" and "dang thi anh" find each other. */
export const searchText = (text: string) => foldVietnamese(text).toLowerCase().replace(/\s+/g, ' ').trim();

/** The class filter's value for students without a class. */
export const NO_CLASS = '~';
export const groupValue = (group: string | null) => group ?? NO_CLASS;

/** `group`: a class name, NO_CLASS, or undefined for every class. */
export type StudentFilter = { group?: string; status?: StatusFilter; q?: string };

export function matches(s: Student, f: StudentFilter): boolean {
  if (f.group !== undefined && groupValue(s.group) !== f.group) return false;
  const status = f.status ?? 'all';
  if (status === 'owing' ? s.status === 'paid' : status !== 'all' && s.status !== status) return false;
  const q = f.q ? searchText(f.q) : '';
  return q === '' || searchText(`${s.name} ${s.payerRef ?? ''}`).includes(q);
}
