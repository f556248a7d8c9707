/**
 * The demo commune's history, played into the running service so a newcomer's dashboard is alive within
 * a minute or two of `npm start`: the current month so far (and the whole previous month in a month's
 * first week), its bills issued and paid, the market trading. Everything goes through the public API
 * in-process, in small units: bills in batches of 200, then day by day each account's bank statement of
 * the day and the cash taken at the counters and stalls. The embedded database has one connection and
 * runs on the event loop, so the player yields to the event loop before every request: the API's own
 * requests get in between, and no unit holds the database for long.
 *
 * Safe to repeat and to interrupt: the plan for a month is the same at every start (later starts only
 * add what has happened since), bills are found again by their `externalId`, statement lines by their
 * bank reference, and a cash entry already recorded (same payee, instant and amount) is not sent again.
 * A month whose metrics already equal the plan's ground truth is not replayed at all.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createApp } from '../app.js';
import { createApiKey, revokeApiKey } from '../auth/store.js';
import type { AppDeps } from '../deps.js';
import { vnDay } from '../metrics/day.js';
import { buildCommune, type Commune, DEMO_COMMUNE } from './model.js';
import { type CashEntry, type Credit, type MonthPlan, monthDays, planMonth, vnDayOf } from './month.js';
import {
  accountOfRef,
  accountRecord,
  cashBody,
  issueBills,
  memoMaker,
  resolvePayees,
  statementLinesOf,
} from './run.js';
import { statementCsv } from './statement.js';
import { type ApiClient, apiClient, DemoError, inProcessTransport, type Transport } from './transport.js';
import { expectedMetrics, groundTruth } from './truth.js';

/** The scale of the commune `npm start` seeds: ~240 households, 15 stalls, its month played in a minute or two. */
export const DEMO_START_SCALE = 0.1;
/**
 * The history keeps a tenth of the market's sales (every stall still trades every day): the ratios are
 * the same and the history is quick on the embedded database. `npm run demo:simulate` plays a full month.
 */
export const HISTORY_MARKET_VOLUME = 0.1;
export const HISTORY_SEED = 1;
/** Bills per batch upload, and lines per statement file: each is one short unit of work. */
const BILLS_PER_BATCH = 100;
const LINES_PER_STATEMENT = 8;

export type HistoryMonth = {
  month: string;
  from: string;
  to: string;
  /** `complete`: its metrics already equalled the plan, nothing was sent. */
  status: 'complete' | 'played';
  bills: number;
  statements: number;
  statementLines: number;
  cashSent: number;
  /** Cash entries found already recorded (an interrupted earlier start). */
  cashKept: number;
  /** Payments as the metrics count them once the month is played. */
  payments: number;
};

export type HistoryReport = { scale: number; months: HistoryMonth[]; ms: number };

export type HistoryOptions = {
  /** Fraction of the market's sales (default HISTORY_MARKET_VOLUME). */
  marketVolume?: number;
  log?: (line: string) => void;
  /** Stops between two units of work (a shutdown); the next start resumes. */
  signal?: AbortSignal;
};

/** The months the history covers at `now`: the current month so far, and the previous one in the first week. */
export function historyMonths(now: Date): { month: string; until?: Date }[] {
  const today = vnDay(now);
  const month = today.slice(0, 7);
  if (Number(today.slice(8, 10)) >= 8) return [{ month, until: now }];
  const [y, m] = month.split('-').map(Number) as [number, number];
  const previous = new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 7);
  return [{ month: previous }, { month, until: now }];
}

/** The scale the database's demo commune was seeded at (among `candidates`), or undefined. */
export async function findDemoScale(
  api: ApiClient,
  candidates: number[] = [DEMO_START_SCALE, 1, 0.5, 0.25, 0.2, 0.05, 0.02],
): Promise<number | undefined> {
  const answer = await api.json<{ households?: { total: number } }>(
    'GET',
    `/v1/metrics/cashless?unit=${DEMO_COMMUNE.code}`,
    undefined,
    [200, 404],
  );
  if (!answer.households) return undefined;
  const households = answer.households.total;
  for (const scale of new Set(candidates)) {
    const commune = buildCommune(scale);
    if (commune.households.length !== households) continue;
    try {
      await resolvePayees(api, commune);
      return scale;
    } catch (err) {
      if (!(err instanceof DemoError)) throw err;
    }
  }
  return undefined;
}

/** A transport that lets the event loop turn before each request: the API's own requests get in between. */
function yielding(inner: Transport, signal?: AbortSignal): Transport {
  return async (req) => {
    await nextTurn();
    signal?.throwIfAborted();
    return inner(req);
  };
}

/**
 * Plays the demo history into the service in `deps` (the demo commune must be there). Resolves with
 * what it did; rejects on a failure or when `signal` stops it (the next start resumes).
 */
export async function playDemoHistory(deps: AppDeps, options: HistoryOptions = {}): Promise<HistoryReport> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  // The history's own requests are not worth a log line each.
  const quiet = { ...deps, logger: deps.logger.child({ demo: 'history' }, { level: 'warn' }) };
  const transport = yielding(inProcessTransport(createApp(quiet)), options.signal);
  const key = await createApiKey(deps.db, { role: 'admin', label: 'demo history' });
  try {
    const api = apiClient(transport, key.key);
    const scale = await findDemoScale(api);
    if (scale === undefined) {
      throw new DemoError(
        'The database holds a demo commune of no known scale: no history is played (delete DATA_DIR, or the database, to seed again)',
      );
    }
    const commune = buildCommune(scale);
    const months: HistoryMonth[] = [];
    for (const { month, until } of historyMonths(deps.clock.now())) {
      const plan = planMonth(commune, {
        month,
        seed: HISTORY_SEED,
        until,
        marketVolume: options.marketVolume ?? HISTORY_MARKET_VOLUME,
        delivery: 'statements',
      });
      months.push(await playMonth(api, commune, plan, log));
    }
    return { scale, months, ms: Math.round(performance.now() - started) };
  } finally {
    // The key was only for the history's own requests.
    await revokeApiKey(deps.db, key.id).catch(() => {});
  }
}

async function playMonth(
  api: ApiClient,
  commune: Commune,
  plan: MonthPlan,
  log: (line: string) => void,
): Promise<HistoryMonth> {
  const truth = groundTruth(commune, plan);
  const expected = expectedMetrics(commune, plan, truth);
  const payments = expected.totals.cashless.count + expected.totals.cash.count;
  const result: HistoryMonth = {
    month: plan.month,
    from: plan.from,
    to: plan.to,
    status: 'complete',
    bills: plan.bills.length,
    statements: 0,
    statementLines: 0,
    cashSent: 0,
    cashKept: 0,
    payments,
  };
  const now = await api.json(
    'GET',
    `/v1/metrics/cashless?unit=${commune.commune.code}&from=${plan.from}&to=${plan.to}`,
  );
  const counted = now.totals.cashless.count + now.totals.cash.count;
  if (counted === payments) {
    log(` ${plan.month} already complete (${payments} payments)`);
    return result;
  }
  result.status = 'played';
  log(
    ` ${plan.month}: ${plan.bills.length} bills, ${plan.credits.length} bank credits, ${plan.cash.length} cash entries (${payments} payments; ${counted} counted so far)`,
  );

  const payeeIds = await resolvePayees(api, commune);
  const payeeIdOf = (p: CashEntry['payee']) => payeeIds.get(accountOfRef(commune, p))!;
  const issued = await issueBills(api, commune, plan, payeeIdOf, 1, BILLS_PER_BATCH);
  const memoOf = memoMaker(plan, issued);

  // Cash an interrupted earlier start recorded already: by payee, instant and amount.
  const cashKey = (payeeId: string, at: string | Date, amount: number) =>
    `${payeeId}|${new Date(at).getTime()}|${amount}`;
  const recorded = new Map<string, number>();
  for (let offset = 0; ; offset += 1000) {
    const page = await api.json<{ items: { payeeId: string; paidAt: string; amount: number }[] }>(
      'GET',
      `/v1/cash-payments?from=${plan.from}&to=${plan.to}&limit=1000&offset=${offset}`,
    );
    for (const c of page.items) {
      const k = cashKey(c.payeeId, c.paidAt, c.amount);
      recorded.set(k, (recorded.get(k) ?? 0) + 1);
    }
    if (page.items.length < 1000) break;
  }

  const creditsByDay = groupBy(plan.credits, (c) => vnDayOf(c.at));
  const cashByDay = groupBy(plan.cash, (c) => vnDayOf(c.at));
  const days = monthDays(plan.month).filter((d) => d >= plan.from && d <= plan.to);
  const started = performance.now();
  for (const [i, day] of days.entries()) {
    // The day as it happens: the counters' and stalls' cash…
    for (const e of cashByDay.get(day) ?? []) {
      const k = cashKey(payeeIdOf(e.payee), e.at, e.amount);
      const left = recorded.get(k) ?? 0;
      if (left > 0) {
        recorded.set(k, left - 1);
        result.cashKept++;
        continue;
      }
      await api.json('POST', '/v1/cash-payments', cashBody(e, payeeIdOf, issued), [201]);
      result.cashSent++;
    }
    // … then each account's statement of the day, which brings its QR payments (in the order they
    // happened) and is reconciled as it is imported.
    const byAccount = groupBy(creditsByDay.get(day) ?? [], (c) => c.account);
    for (const credits of byAccount.values()) {
      for (let k = 0; k < credits.length; k += LINES_PER_STATEMENT) {
        await importStatement(api, commune, day, credits.slice(k, k + LINES_PER_STATEMENT), memoOf);
        result.statements++;
        result.statementLines += Math.min(LINES_PER_STATEMENT, credits.length - k);
      }
    }
    if (i === days.length - 1 || i % 5 === 4) {
      log(
        ` ${plan.month}: played to ${day} (${i + 1} of ${days.length} days, ${((performance.now() - started) / 1000).toFixed(0)} s)`,
      );
    }
  }
  return result;
}

async function importStatement(
  api: ApiClient,
  commune: Commune,
  day: string,
  credits: Credit[],
  memoOf: ReturnType<typeof memoMaker>,
) {
  const account = accountRecord(commune, credits[0]!.payee);
  const csv = statementCsv(account, day, day, statementLinesOf(credits, memoOf));
  await api.text(`/v1/statements?accountNumber=${account.number}`, csv, 'text/csv; charset=utf-8', [200]);
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
