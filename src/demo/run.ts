/**
 * Delivers a planned month to the service through its public API, as the real world would:
 * 1. the schools, utilities and the commune desk issue the month's bills (batch import: schools upload
 *    their CSV, the others send JSON);
 * 2. payments happen in time order: each QR payment arrives as its provider's callback (some twice),
 *    cash is recorded at the counter or by the vendor at closing time;
 * 3. once the service has taken in the callbacks, the banks' statements arrive for the account-days
 *    with missing callbacks (POST /v1/statements);
 * 4. the late callbacks arrive;
 * then the metrics API is compared with the ground truth (truth.ts), number for number.
 */
import { qrPurpose } from '../payment-requests/purpose.js';
import { payerContent, rewriteMemo, statementMemo } from './memo.js';
import type { Commune } from './model.js';
import { type Bill, type CashEntry, type Credit, type MonthPlan, type PayeeRef, vnDayOf } from './month.js';
import { type CallbackBody, type CallbackSecrets, callbackBody, signCallback } from './providers.js';
import { statementCsv } from './statement.js';
import { apiClient, DemoError, inPool, type Transport } from './transport.js';
import {
  accountDay,
  type ExpectedMetrics,
  expectedMetrics,
  groundTruth,
  type Slice,
  type Truth,
} from './truth.js';

export type RunOptions = {
  transport: Transport;
  adminKey: string;
  secrets: CallbackSecrets;
  commune: Commune;
  plan: MonthPlan;
  /** Requests in flight at once (default 32). */
  concurrency?: number;
  log?: (line: string) => void;
  /** Refuse a month that already has payments for the commune (default true): its truth would be wrong. */
  requireEmptyMonth?: boolean;
  /** Compare the metrics with the truth at the end (default true). */
  check?: boolean;
  /** Give up reconciling when nothing moved for this long (default 120 s). */
  stallMs?: number;
};

export type Comparison = {
  scope: string;
  field: string;
  expected: number | null;
  actual: number | null;
  ok: boolean;
};

export type RunReport = {
  month: string;
  from: string;
  to: string;
  counts: {
    bills: number;
    credits: number;
    callbacksSent: number;
    duplicatesSent: number;
    late: number;
    missing: number;
    cashEntries: number;
    statements: number;
    statementLines: number;
    /** Payments as the metrics count them (cash market entries count their sales). */
    payments: number;
  };
  timingsMs: Record<string, number>;
  expected?: ExpectedMetrics;
  comparisons: Comparison[];
  mismatches: Comparison[];
  ok: boolean;
};

export type Issued = { id: string; reference: string };

/** The memo a credit's payer bank sends, in a given rewriting style (a retry sends the same bytes). */
/** The bank statement's lines for these credits, each memo as the bank prints it on a statement. */
export function statementLinesOf(credits: Credit[], memoOf: ReturnType<typeof memoMaker>) {
  return credits.map((c) => ({
    at: c.at,
    bankRef: c.bankRef,
    amount: c.amount,
    memo: statementMemo(memoOf(c, c.style), c.statementVariant),
    counterpartyName: c.payer.holder,
  }));
}

export function memoMaker(plan: MonthPlan, issued: Issued[]) {
  return (c: Credit, style: Credit['style']) => {
    const bill = c.bill === undefined ? undefined : plan.bills[c.bill]!;
    const ref = bill ? issued[bill.index]!.reference : undefined;
    const content = payerContent(c, ref ? qrPurpose(ref, bill!.purpose) : undefined);
    return rewriteMemo(content, style, {
      bankRef: c.bankRef,
      payerAccount: c.payer.number,
      payerName: c.payer.holder,
      receiverAccount: c.account,
      reference: ref,
    });
  };
}

/** Month-specific base for provider ids, so months never reuse one (providers dedupe on them). */
const idBaseOf = (month: string) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return (y * 12 + m) * 10_000_000;
};

/** A cash entry as the counter (a bill) or the vendor (a day's takings) records it. */
export function cashBody(e: CashEntry, payeeIdOf: (p: PayeeRef) => string, issued: Issued[]) {
  return e.bill === undefined
    ? {
        payeeId: payeeIdOf(e.payee),
        amount: e.amount,
        category: e.category,
        saleCount: e.saleCount,
        paidAt: e.at.toISOString(),
        note: 'Tiền mặt bán hàng trong ngày',
      }
    : { paymentRequestId: issued[e.bill]!.id, amount: e.amount, paidAt: e.at.toISOString() };
}

export async function runMonth(o: RunOptions): Promise<RunReport> {
  const log = o.log ?? (() => {});
  const api = apiClient(o.transport, o.adminKey);
  const { commune, plan } = o;
  const concurrency = o.concurrency ?? 32;
  const timings: Record<string, number> = {};
  const started = performance.now();
  let mark = started;
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - mark);
    mark = now;
  };

  const truth = groundTruth(commune, plan);

  // --- Who is who: payee ids by account number (every account is unique in the demo).
  const payeeIds = await resolvePayees(api, commune);
  const payeeIdOf = (p: PayeeRef) => payeeIds.get(accountOfRef(commune, p))!;
  if (o.requireEmptyMonth !== false) {
    const before = await api.json(
      'GET',
      `/v1/metrics/cashless?unit=${commune.commune.code}&from=${plan.from}&to=${plan.to}`,
    );
    if (before.households.total !== commune.households.length) {
      throw new DemoError(
        `The database's demo commune has ${before.households.total} households, this simulation's has ${commune.households.length}: run it with the --scale the commune was seeded with (an empty database takes any)`,
      );
    }
    const n = before.totals.cashless.count + before.totals.cash.count;
    if (n > 0) {
      throw new DemoError(
        `The demo commune already has ${n} payments from ${plan.from} to ${plan.to}: simulate another month (--month YYYY-MM)`,
      );
    }
  }
  lap('prepare');

  // --- 1. Bills.
  const issued = await issueBills(api, commune, plan, payeeIdOf, concurrency);
  lap('issue bills');
  log(`  issued ${plan.bills.length} bills`);

  // Memos and webhook bodies, built once: a provider's retry sends the same bytes.
  const idBase = idBaseOf(plan.month);
  const bodies = new Map<number, CallbackBody>();
  const memoOf = memoMaker(plan, issued);
  const accountOf = (c: Credit) => accountRecord(commune, c.payee);
  for (const c of plan.credits) {
    if (c.delivery === 'missing') continue;
    bodies.set(
      c.n,
      callbackBody({
        provider: c.provider,
        n: c.n,
        idBase,
        account: accountOf(c),
        amount: c.amount,
        memo: memoOf(c, c.style),
        at: c.at,
        bankRef: c.bankRef,
        payer: c.payer,
      }),
    );
  }

  const postCallback = async (c: Credit) => {
    const signed = signCallback(bodies.get(c.n)!, o.secrets, new Date());
    await api.send(
      {
        method: 'POST',
        path: `/v1/callbacks/${c.provider}`,
        body: signed.body,
        headers: { 'content-type': 'application/json', ...signed.headers },
      },
      [200, 201],
    );
  };
  const postCash = async (e: CashEntry) => {
    // Sent again after a broken connection, it must not be recorded twice.
    await api.json('POST', '/v1/cash-payments', cashBody(e, payeeIdOf, issued), [200, 201], {
      'idempotency-key': `demo-cash-${plan.month}-${plan.seed}-${e.n}`,
    });
  };

  // --- 2. The month as it happens: callbacks and cash in time order (a retried callback a little later).
  type Item = { at: number; run: () => Promise<void> };
  const items: Item[] = [];
  let callbacksSent = 0;
  let duplicatesSent = 0;
  for (const c of plan.credits) {
    if (c.delivery !== 'on_time' && c.delivery !== 'duplicate') continue;
    items.push({ at: c.at.getTime(), run: () => postCallback(c) });
    callbacksSent++;
    if (c.delivery === 'duplicate') {
      // Providers retry after 1 s … a few minutes (SePay: Fibonacci); the same event again.
      items.push({ at: c.at.getTime() + 1000 * (1 + (c.n % 300)), run: () => postCallback(c) });
      duplicatesSent++;
    }
  }
  for (const e of plan.cash) items.push({ at: e.at.getTime(), run: () => postCash(e) });
  items.sort((a, b) => a.at - b.at);
  await inPool(items, concurrency, (item) => item.run());
  lap('deliver callbacks and cash');
  log(`  (${(timings['deliver callbacks and cash']! / 1000).toFixed(1)} s)`);
  log(
    `  delivered ${callbacksSent} callbacks (+${duplicatesSent} repeated) and ${plan.cash.length} cash entries`,
  );
  await settle(api, { stallMs: o.stallMs, log });
  lap('reconcile callbacks');

  // --- 3. Statements for the account-days a callback never reached us from (for a history delivered by
  // statement only: one statement per account for the whole period).
  const byAccount = new Map<string, Map<string, Credit[]>>();
  for (const c of plan.credits) {
    if (!truth.statementDays.has(accountDay(c.account, c.at))) continue;
    const days = byAccount.get(c.account) ?? new Map<string, Credit[]>();
    const day = plan.delivery === 'statements' ? plan.from : vnDayOf(c.at);
    const list = days.get(day) ?? [];
    list.push(c);
    days.set(day, list);
    byAccount.set(c.account, days);
  }
  let statements = 0;
  let statementLines = 0;
  const statementProblems: string[] = [];
  await inPool([...byAccount], Math.min(concurrency, 8), async ([account, days]) => {
    // One account's statements in day order: its credits are then seen in the order they happened.
    for (const [day, credits] of [...days].sort(([a], [b]) => a.localeCompare(b))) {
      const csv = statementCsv(
        accountOf(credits[0]!),
        day,
        plan.delivery === 'statements' ? plan.to : day,
        statementLinesOf(credits, memoOf),
      );
      const report = await api.text(
        `/v1/statements?accountNumber=${account}`,
        csv,
        'text/csv; charset=utf-8',
        [200],
      );
      statements++;
      statementLines += credits.length;
      const fresh = credits.filter((c) => c.delivery === 'missing' || c.delivery === 'late').length;
      if (report.created !== fresh || report.alreadyKnown !== credits.length - fresh) {
        statementProblems.push(
          `${account} ${day}: created ${report.created} (expected ${fresh}), already known ${report.alreadyKnown} (expected ${credits.length - fresh})`,
        );
      }
    }
  });
  lap('import statements');
  log(`  imported ${statements} statements (${statementLines} lines)`);

  // --- 4. Late callbacks.
  const late = plan.credits.filter((c) => c.delivery === 'late');
  await inPool(late, concurrency, (c) => postCallback(c));
  await settle(api, { stallMs: o.stallMs, log });
  lap('late callbacks');
  log(`  delivered ${late.length} late callbacks`);

  const counts = {
    bills: plan.bills.length,
    credits: plan.credits.length,
    callbacksSent,
    duplicatesSent,
    late: late.length,
    missing: plan.credits.filter((c) => c.delivery === 'missing').length,
    cashEntries: plan.cash.length,
    statements,
    statementLines,
    payments: truth.facts.reduce((n, f) => n + f.count, 0),
  };
  const report: RunReport = {
    month: plan.month,
    from: plan.from,
    to: plan.to,
    counts,
    timingsMs: timings,
    comparisons: [],
    mismatches: [],
    ok: true,
  };
  if (o.check === false) {
    timings.total = Math.round(performance.now() - started);
    return report;
  }

  // --- The check.
  const expected = expectedMetrics(commune, plan, truth);
  const comparisons = await compareWithApi(api, commune, expected, truth, payeeIds);
  for (const p of statementProblems) {
    comparisons.push({ scope: `statement ${p}`, field: 'lines', expected: null, actual: null, ok: false });
  }
  lap('check');
  timings.total = Math.round(performance.now() - started);
  const mismatches = comparisons.filter((c) => !c.ok);
  return { ...report, expected, comparisons, mismatches, ok: mismatches.length === 0 };
}

export function accountRecord(commune: Commune, p: PayeeRef) {
  if (p.type === 'biller') return commune.billers[p.key].account;
  if (p.type === 'school') return commune.schools.find((s) => s.key === p.key)!.account;
  return commune.stalls.find((s) => s.stallNo === p.stallNo)!.account;
}

export const accountOfRef = (commune: Commune, p: PayeeRef) => accountRecord(commune, p).number;

/** Payee ids by account number, read through the API; every payee of the model must be there. */
export async function resolvePayees(
  api: ReturnType<typeof apiClient>,
  commune: Commune,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (let offset = 0; ; offset += 1000) {
    const page = await api.json<{ items: { id: string; accountNumber: string }[] }>(
      'GET',
      `/v1/payees?unitCode=${commune.commune.code}&limit=1000&offset=${offset}`,
    );
    for (const p of page.items) ids.set(p.accountNumber, p.id);
    if (page.items.length < 1000) break;
  }
  const wanted = [
    ...commune.stalls.map((s) => s.account.number),
    ...commune.schools.map((s) => s.account.number),
    ...Object.values(commune.billers).map((b) => b.account.number),
  ];
  const missing = wanted.filter((a) => !ids.has(a));
  if (missing.length > 0) {
    throw new DemoError(
      `The service has no demo commune ${commune.commune.code} at this scale (${missing.length} of its payees are missing): seed it first (an empty database with DEMO=1, or the simulation in-process)`,
    );
  }
  return ids;
}

/**
 * The bills as their payees would upload them: schools a CSV from their spreadsheet, the rest JSON.
 * Issuing them again finds the stored ones (`externalId`), so this is safe to repeat.
 */
export async function issueBills(
  api: ReturnType<typeof apiClient>,
  commune: Commune,
  plan: MonthPlan,
  payeeIdOf: (p: PayeeRef) => string,
  concurrency: number,
  batchSize = 1000,
): Promise<Issued[]> {
  const issued: Issued[] = new Array(plan.bills.length);
  const byPayee = new Map<string, Bill[]>();
  for (const b of plan.bills) {
    const key = accountOfRef(commune, b.payee);
    const list = byPayee.get(key) ?? [];
    list.push(b);
    byPayee.set(key, list);
  }
  const uploads: { bills: Bill[]; payeeId: string; school: boolean }[] = [];
  for (const bills of byPayee.values()) {
    for (let i = 0; i < bills.length; i += batchSize) {
      uploads.push({
        bills: bills.slice(i, i + batchSize),
        payeeId: payeeIdOf(bills[0]!.payee),
        school: bills[0]!.payee.type === 'school',
      });
    }
  }
  type Result = {
    results: { row: number; status: string; id?: string; reference?: string; error?: unknown }[];
  };
  await inPool(uploads, Math.min(4, concurrency), async (u) => {
    let result: Result;
    if (u.school) {
      const vnd = (n: number) => n.toLocaleString('vi-VN');
      const lines = [
        'Mã học sinh;Họ và tên;Lớp;Số tiền;Nội dung;Mã hộ;Số phiếu',
        ...u.bills.map((b) =>
          [
            b.payerRef,
            b.payerName,
            b.payerGroup,
            vnd(b.amount),
            b.purpose,
            b.householdCode,
            b.externalId,
          ].join(';'),
        ),
      ];
      result = await api.text(
        `/v1/payment-requests/batch?payeeId=${u.payeeId}&category=school_fee`,
        `\uFEFF${lines.join('\r\n')}\r\n`,
        'text/csv; charset=utf-8',
      );
    } else {
      result = await api.json('POST', '/v1/payment-requests/batch', {
        payeeId: u.payeeId,
        items: u.bills.map((b) => ({
          amount: b.amount,
          category: b.category,
          purpose: b.purpose,
          payerRef: b.payerRef,
          payerName: b.payerName,
          payerGroup: b.payerGroup,
          householdCode: b.householdCode,
          externalId: b.externalId,
        })),
      });
    }
    for (const [i, r] of result.results.entries()) {
      if (r.status === 'error' || !r.id || !r.reference) {
        throw new DemoError(`Bill ${u.bills[i]!.externalId} was refused: ${JSON.stringify(r.error)}`);
      }
      issued[u.bills[i]!.index] = { id: r.id, reference: r.reference };
    }
  });
  return issued;
}

/**
 * Waits until the service has taken in every callback: the outbox is empty and the ingest and match
 * queues are idle, three polls in a row (GET /v1/ops/queues, admin). Gives up only when the backlog has
 * not shrunk for `stallMs`: a slow machine is slow, not stuck.
 */
export async function settle(
  api: ReturnType<typeof apiClient>,
  options: { stallMs?: number; log?: (line: string) => void } = {},
): Promise<void> {
  const stallMs = options.stallMs ?? 120_000;
  let quiet = 0;
  let best = Number.POSITIVE_INFINITY;
  let progressAt = Date.now();
  let loggedAt = Date.now();
  while (quiet < 3) {
    const q = await api.json<{
      queues: Record<string, { waiting: number; active: number; delayed: number }>;
      outbox: { pending: number };
    }>('GET', '/v1/ops/queues');
    const jobs = ['transactions.ingest-events', 'transactions.match'].reduce((n, name) => {
      const c = q.queues[name];
      return n + (c ? c.waiting + c.active + c.delayed : 0);
    }, 0);
    const backlog = jobs + q.outbox.pending;
    quiet = backlog === 0 ? quiet + 1 : 0;
    if (backlog < best) {
      best = backlog;
      progressAt = Date.now();
    } else if (Date.now() - progressAt > stallMs) {
      throw new DemoError(
        `The service stopped reconciling: ${jobs} jobs and ${q.outbox.pending} outbox rows left`,
      );
    }
    if (backlog > 0 && Date.now() - loggedAt > 5000) {
      options.log?.(
        `  reconciling: ${jobs} ingest jobs waiting, ${q.outbox.pending} callbacks in the outbox`,
      );
      loggedAt = Date.now();
    }
    await new Promise((r) => setTimeout(r, quiet === 0 ? 250 : 150));
  }
}

// ---------------------------------------------------------------------------------------------
// Comparing

type ApiSlice = {
  key?: string;
  cashless: { count: number; value: number; payers: number };
  cash: { count: number; value: number; payers: number };
  ratio: { count: number | null; value: number | null; payers: number | null };
  households?: { total: number; adopters: number; adoptionRate: number | null };
};

const zeroSlice: Slice = {
  cashless: { count: 0, value: 0, payers: 0 },
  cash: { count: 0, value: 0, payers: 0 },
  ratio: { count: null, value: null, payers: null },
  adopters: 0,
};

function compareSlice(out: Comparison[], scope: string, e: Slice | undefined, a: ApiSlice | undefined) {
  const exp = e ?? zeroSlice;
  const fields: [string, number | null, number | null][] = [
    ['cashless.count', exp.cashless.count, a?.cashless.count ?? 0],
    ['cashless.value', exp.cashless.value, a?.cashless.value ?? 0],
    ['cashless.payers', exp.cashless.payers, a?.cashless.payers ?? 0],
    ['cash.count', exp.cash.count, a?.cash.count ?? 0],
    ['cash.value', exp.cash.value, a?.cash.value ?? 0],
    ['cash.payers', exp.cash.payers, a?.cash.payers ?? 0],
    ['ratio.count', exp.ratio.count, a?.ratio.count ?? null],
    ['ratio.value', exp.ratio.value, a?.ratio.value ?? null],
    ['ratio.payers', exp.ratio.payers, a?.ratio.payers ?? null],
  ];
  for (const [field, expected, actual] of fields)
    out.push({ scope, field, expected, actual, ok: expected === actual });
}

async function compareWithApi(
  api: ReturnType<typeof apiClient>,
  commune: Commune,
  expected: ExpectedMetrics,
  truth: Truth,
  payeeIds: Map<string, string>,
): Promise<Comparison[]> {
  const out: Comparison[] = [];
  const q = `unit=${commune.commune.code}&from=${expected.from}&to=${expected.to}`;
  const [byCategory, byUnit, byChannel, byDay] = await Promise.all(
    (['category', 'unit', 'channel', 'day'] as const).map((g) =>
      api.json<{
        totals: ApiSlice;
        groups: ApiSlice[];
        households: { total: number; adopters: number; adoptionRate: number | null };
        market: { stalls: number; stallsWithQr: number; stallsPaidByQr: number };
      }>('GET', `/v1/metrics/cashless?${q}&groupBy=${g}`),
    ),
  );
  const r = byCategory!;
  compareSlice(out, 'total', expected.totals, r.totals);
  const num = (scope: string, field: string, e: number | null, a: number | null) =>
    out.push({ scope, field, expected: e, actual: a, ok: e === a });
  num('households', 'total', expected.households.total, r.households.total);
  num('households', 'adopters', expected.households.adopters, r.households.adopters);
  num('households', 'adoptionRate', expected.households.adoptionRate, r.households.adoptionRate);
  num('market', 'stalls', expected.market.stalls, r.market.stalls);
  num('market', 'stallsWithQr', expected.market.stallsWithQr, r.market.stallsWithQr);
  num('market', 'stallsPaidByQr', expected.market.stallsPaidByQr, r.market.stallsPaidByQr);

  const groups: [string, typeof r, Map<string, Slice>][] = [
    ['category', byCategory!, expected.groups.category],
    ['unit', byUnit!, expected.groups.unit],
    ['channel', byChannel!, expected.groups.channel],
    ['day', byDay!, expected.groups.day],
  ];
  for (const [name, answer, exp] of groups) {
    const actual = new Map(answer.groups.map((g) => [g.key!, g]));
    const keys = [...new Set([...exp.keys(), ...actual.keys()])].sort();
    for (const key of keys) {
      compareSlice(out, `${name}=${key}`, exp.get(key), actual.get(key));
      if (name === 'unit' && key !== commune.commune.code) {
        const h = actual.get(key)?.households;
        num(`${name}=${key}`, 'households.total', expected.householdsByUnit.get(key) ?? 0, h?.total ?? null);
        num(`${name}=${key}`, 'households.adopters', exp.get(key)?.adopters ?? 0, h?.adopters ?? null);
      }
    }
  }

  // The review queue: the credits whose reference was mistyped, and nothing else.
  const accounts = new Set(payeeIds.keys());
  let unmatched = 0;
  for (let offset = 0; ; offset += 1000) {
    const page = await api.json<{ items: { accountNumber: string }[] }>(
      'GET',
      `/v1/transactions?status=unmatched&from=${expected.from}&to=${expected.to}&limit=1000&offset=${offset}`,
    );
    unmatched += page.items.filter((t) => accounts.has(t.accountNumber)).length;
    if (page.items.length < 1000) break;
  }
  num('review queue', 'unmatched', truth.unmatched, unmatched);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Printing

const fmt = (n: number | null) =>
  n === null ? '–' : Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(4);

/** The comparison as a table: totals, categories, hamlets, channels; days summarised. */
export function formatReport(report: RunReport, commune: Commune): string {
  const lines: string[] = [];
  const c = report.counts;
  lines.push(
    `Month ${report.month} (${report.from} … ${report.to}): ${c.payments.toLocaleString('en-US')} payments — ${c.bills} bills, ${c.credits} bank credits (${c.callbacksSent} callbacks, ${c.duplicatesSent} repeated, ${c.late} late, ${c.missing} missing → ${c.statements} statements / ${c.statementLines} lines), ${c.cashEntries} cash entries`,
  );
  lines.push(
    `Timings: ${Object.entries(report.timingsMs)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
      .join(' · ')}`,
  );
  if (report.comparisons.length === 0) return lines.join('\n');
  const names = new Map(commune.hamlets.map((h) => [h.code, h.name]));
  names.set(commune.commune.code, `${commune.commune.name} (chợ, chung)`);
  const byScope = new Map<string, Comparison[]>();
  for (const x of report.comparisons) {
    const list = byScope.get(x.scope) ?? [];
    list.push(x);
    byScope.set(x.scope, list);
  }
  const row = (label: string, scope: string) => {
    const xs = byScope.get(scope) ?? [];
    const get = (f: string) => xs.find((x) => x.field === f);
    const cell = (f: string) => {
      const x = get(f);
      if (!x) return ''.padStart(14);
      return (x.ok ? fmt(x.actual) : `${fmt(x.actual)}≠${fmt(x.expected)}`).padStart(14);
    };
    const ok = xs.every((x) => x.ok) ? 'ok' : 'MISMATCH';
    return `${label.padEnd(30).slice(0, 30)}${cell('cashless.count')}${cell('cash.count')}${cell('ratio.count')}${cell('cashless.value')}${cell('cash.value')}${cell('ratio.value')}${cell('cashless.payers')}${cell('cash.payers')}  ${ok}`;
  };
  lines.push('');
  lines.push(
    `${''.padEnd(30)}${'QR count'.padStart(14)}${'cash count'.padStart(14)}${'ratio'.padStart(14)}${'QR value'.padStart(14)}${'cash value'.padStart(14)}${'ratio'.padStart(14)}${'QR payers'.padStart(14)}${'cash payers'.padStart(14)}`,
  );
  lines.push(row('TOTAL', 'total'));
  for (const scope of byScope.keys()) {
    if (scope.startsWith('category=')) lines.push(row(`  ${scope.slice(9)}`, scope));
  }
  for (const scope of byScope.keys()) {
    if (scope.startsWith('unit=')) lines.push(row(`  ${names.get(scope.slice(5)) ?? scope.slice(5)}`, scope));
  }
  for (const scope of byScope.keys()) {
    if (scope.startsWith('channel=')) lines.push(row(`  ${scope.slice(8)}`, scope));
  }
  const days = [...byScope.keys()].filter((s) => s.startsWith('day='));
  const badDays = days.filter((d) => byScope.get(d)!.some((x) => !x.ok));
  lines.push(
    `  days: ${days.length} compared, ${badDays.length} differ${badDays.length ? `: ${badDays.join(', ')}` : ''}`,
  );
  const one = (scope: string, field: string) =>
    report.comparisons.find((x) => x.scope === scope && x.field === field);
  const adopters = one('households', 'adopters');
  const total = one('households', 'total');
  const rate = one('households', 'adoptionRate');
  lines.push(
    `Households: ${fmt(adopters?.actual ?? null)} of ${fmt(total?.actual ?? null)} paid cashless at least once (${rate?.actual == null ? '–' : `${(rate.actual * 100).toFixed(1)} %`})`,
  );
  const stalls = one('market', 'stalls');
  const paid = one('market', 'stallsPaidByQr');
  lines.push(`Market: ${fmt(paid?.actual ?? null)} of ${fmt(stalls?.actual ?? null)} stalls paid by QR`);
  const queue = one('review queue', 'unmatched');
  lines.push(`Review queue: ${fmt(queue?.actual ?? null)} unmatched (mistyped references)`);
  lines.push('');
  if (report.ok) lines.push(`All ${report.comparisons.length} figures equal the ground truth.`);
  else {
    lines.push(
      `${report.mismatches.length} of ${report.comparisons.length} figures differ from the ground truth:`,
    );
    for (const m of report.mismatches.slice(0, 40)) {
      lines.push(`  ${m.scope} ${m.field}: expected ${fmt(m.expected)}, got ${fmt(m.actual)}`);
    }
  }
  return lines.join('\n');
}
