/**
 * The ground truth of a simulated month: which payments the service must count, and so what
 * GET /v1/metrics/cashless must answer, derived from the plan alone (never from the service). Pure.
 *
 * It follows the service's documented rules, not its code:
 * - a bill paid by QR counts once, with the amount transferred (an over-payment counts in full, its excess
 *   is a refund); a transfer for a bill already paid is a duplicate and does not count; a mistyped
 *   reference leaves the credit in the review queue (not counted) and the bill open;
 * - cash counts as recorded: a bill's cash with its household, a vendor's day of takings as `saleCount`
 *   sales without a payer;
 * - a market sale counts at its stall (on the commune) with the buyer's account as payer when the first
 *   report of it named one (payOS, Casso and the generic format do; SePay's webhook and a bank statement
 *   CSV do not);
 * - "first" is the order the service sees things: callbacks and cash as they happen, then the
 *   statements (account by account, day by day), then the late callbacks.
 */
import { type Ratios, ratios, share, type Tally } from '../metrics/ratio.js';
import type { Commune } from './model.js';
import { type Bill, type Credit, type MonthPlan, vnDayOf } from './month.js';

export type Channel = 'qr' | 'ewallet' | 'cash';

/** One counted payment, as the rollups record it. */
export type Fact = {
  channel: Channel;
  count: number;
  value: number;
  day: string;
  unitCode: string;
  category: string;
  payerKey: string | null;
  stallNo?: string;
};

export type Truth = {
  facts: Fact[];
  /** Credits that must wait in the review queue (mistyped references). */
  unmatched: number;
  /** Account-days whose statement the runner sends: `${account}|${day}`. */
  statementDays: Set<string>;
};

export const accountDay = (account: string, at: Date) => `${account}|${vnDayOf(at)}`;

/** Which report of a credit the service sees first. */
export function firstReport(c: Credit, statementDays: Set<string>): 'callback' | 'statement' {
  if (c.delivery === 'missing') return 'statement';
  if (c.delivery === 'late' && statementDays.has(accountDay(c.account, c.at))) return 'statement';
  return 'callback';
}

/** Phase and time at which the service takes in a credit (0 as it happens, 1 statements, 2 late callbacks). */
function seenAt(c: Credit, statementDays: Set<string>): [number, number] {
  if (firstReport(c, statementDays) === 'statement') return [1, c.at.getTime()];
  return [c.delivery === 'late' ? 2 : 0, c.at.getTime()];
}

const carriesCounterparty = (provider: Credit['provider']) => provider !== 'sepay';

export function groundTruth(commune: Commune, plan: MonthPlan): Truth {
  const statementDays = new Set(
    plan.credits.filter((c) => c.delivery === 'missing').map((c) => accountDay(c.account, c.at)),
  );
  const facts: Fact[] = [];
  const eWallet = new Set(
    commune.stalls.filter((s) => s.account.bin.startsWith('971')).map((s) => s.stallNo),
  );
  let unmatched = 0;

  // Bills: replay each bill's payments in the order the service sees them.
  type Seen = { phase: number; time: number; n: number } & (
    | { kind: 'credit'; credit: Credit }
    | { kind: 'cash'; amount: number; at: Date }
  );
  const byBill = new Map<number, Seen[]>();
  const push = (bill: number, s: Seen) => {
    const list = byBill.get(bill) ?? [];
    list.push(s);
    byBill.set(bill, list);
  };
  for (const c of plan.credits) {
    if (c.bill === undefined) continue;
    const [phase, time] = seenAt(c, statementDays);
    push(c.bill, { phase, time, n: c.n, kind: 'credit', credit: c });
  }
  for (const c of plan.cash) {
    if (c.bill === undefined) continue;
    push(c.bill, { phase: 0, time: c.at.getTime(), n: -c.n, kind: 'cash', amount: c.amount, at: c.at });
  }
  for (const [index, seen] of byBill) {
    const bill: Bill = plan.bills[index]!;
    seen.sort((a, b) => a.phase - b.phase || a.time - b.time || a.n - b.n);
    let paid = 0;
    for (const s of seen) {
      const base = { unitCode: bill.unitCode, category: bill.category, payerKey: bill.householdCode };
      if (s.kind === 'cash') {
        facts.push({ ...base, channel: 'cash', count: 1, value: s.amount, day: vnDayOf(s.at) });
        paid += s.amount;
        continue;
      }
      const c = s.credit;
      if (c.intent === 'typo') {
        unmatched++;
        continue;
      }
      if (paid < bill.amount) {
        facts.push({ ...base, channel: 'qr', count: 1, value: c.amount, day: vnDayOf(c.at) });
      }
      paid += c.amount;
    }
  }

  // Market: every QR sale counts at its stall; the vendor's cash once a day.
  for (const c of plan.credits) {
    if (c.payee.type !== 'stall') continue;
    const payerKey =
      firstReport(c, statementDays) === 'callback' && carriesCounterparty(c.provider) ? c.payer.number : null;
    facts.push({
      channel: eWallet.has(c.payee.stallNo) ? 'ewallet' : 'qr',
      count: 1,
      value: c.amount,
      day: vnDayOf(c.at),
      unitCode: commune.commune.code,
      category: 'market',
      payerKey,
      stallNo: c.payee.stallNo,
    });
  }
  for (const c of plan.cash) {
    if (c.payee.type !== 'stall') continue;
    facts.push({
      channel: 'cash',
      count: c.saleCount,
      value: c.amount,
      day: vnDayOf(c.at),
      unitCode: commune.commune.code,
      category: 'market',
      payerKey: null,
      stallNo: c.payee.stallNo,
    });
  }
  return { facts, unmatched, statementDays };
}

// ---------------------------------------------------------------------------------------------
// What GET /v1/metrics/cashless must answer

export type Slice = { cashless: Tally; cash: Tally; ratio: Ratios; adopters: number };
export type ExpectedMetrics = {
  from: string;
  to: string;
  totals: Slice;
  households: { total: number; adopters: number; adoptionRate: number | null };
  market: { stalls: number; stallsWithQr: number; stallsPaidByQr: number };
  groups: Record<'category' | 'unit' | 'channel' | 'day', Map<string, Slice>>;
  /** groupBy=unit: households registered per child unit. */
  householdsByUnit: Map<string, number>;
};

function slice(facts: Fact[], households: Set<string>): Slice {
  const cashless = { count: 0, value: 0, payers: 0 };
  const cash = { count: 0, value: 0, payers: 0 };
  const cashlessPayers = new Set<string>();
  const cashPayers = new Set<string>();
  for (const f of facts) {
    const t = f.channel === 'cash' ? cash : cashless;
    t.count += f.count;
    t.value += f.value;
    if (f.payerKey !== null && f.count > 0)
      (f.channel === 'cash' ? cashPayers : cashlessPayers).add(f.payerKey);
  }
  cashless.payers = cashlessPayers.size;
  cash.payers = cashPayers.size;
  const adopters = [...cashlessPayers].filter((k) => households.has(k)).length;
  return { cashless, cash, ratio: ratios(cashless, cash), adopters };
}

function groupBy(facts: Fact[], key: (f: Fact) => string, households: Set<string>): Map<string, Slice> {
  const buckets = new Map<string, Fact[]>();
  for (const f of facts) {
    const k = key(f);
    const list = buckets.get(k) ?? [];
    list.push(f);
    buckets.set(k, list);
  }
  return new Map([...buckets].map(([k, list]) => [k, slice(list, households)]));
}

/** The metrics of the commune over the plan's days, as the API must report them. */
export function expectedMetrics(commune: Commune, plan: MonthPlan, truth: Truth): ExpectedMetrics {
  const inRange = truth.facts.filter((f) => f.day >= plan.from && f.day <= plan.to);
  const householdCodes = new Set(commune.households.map((h) => h.code));
  const totals = slice(inRange, householdCodes);
  const paidByQr = new Set(inRange.filter((f) => f.stallNo && f.channel !== 'cash').map((f) => f.stallNo!));
  const householdsByUnit = new Map<string, number>();
  for (const h of commune.households)
    householdsByUnit.set(h.hamletCode, (householdsByUnit.get(h.hamletCode) ?? 0) + 1);
  return {
    from: plan.from,
    to: plan.to,
    totals,
    households: {
      total: householdCodes.size,
      adopters: totals.adopters,
      adoptionRate: share(totals.adopters, householdCodes.size),
    },
    market: {
      stalls: commune.stalls.length,
      stallsWithQr: commune.stalls.length,
      stallsPaidByQr: paidByQr.size,
    },
    groups: {
      category: groupBy(inRange, (f) => f.category, householdCodes),
      unit: groupBy(inRange, (f) => f.unitCode, householdCodes),
      channel: groupBy(inRange, (f) => f.channel, householdCodes),
      day: groupBy(inRange, (f) => f.day, householdCodes),
    },
    householdsByUnit,
  };
}
