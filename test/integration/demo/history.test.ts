import { afterAll, describe, expect, it } from 'vitest';
import {
  HISTORY_MARKET_VOLUME,
  HISTORY_SEED,
  type HistoryReport,
  historyMonths,
} from '../../../src/demo/history.js';
import { buildCommune, DEMO_COMMUNE } from '../../../src/demo/model.js';
import { planMonth } from '../../../src/demo/month.js';
import { seedDemoIfEmpty, startDemoHistory } from '../../../src/demo/seed.js';
import { expectedMetrics, groundTruth } from '../../../src/demo/truth.js';
import { startTestApp, type TestApp } from '../../support/app.js';

/** "Now" for the service: the 20th, so the history is that month's first twenty days. */
const NOW = new Date('2026-10-20T09:30:00+07:00');
const scale = 0.02;
const commune = buildCommune(scale);
const plan = planMonth(commune, {
  month: '2026-10',
  seed: HISTORY_SEED,
  until: NOW,
  marketVolume: HISTORY_MARKET_VOLUME,
  delivery: 'statements',
});
const expected = expectedMetrics(commune, plan, groundTruth(commune, plan));
const period = `unit=${DEMO_COMMUNE.code}&from=${plan.from}&to=${plan.to}`;

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, read by tests
type Json = any;

/** The figures a user sees, by category: what must equal the demo model's ground truth. */
async function figures(app: TestApp) {
  const res = await app.api('GET', `/v1/metrics/cashless?${period}&groupBy=category`);
  expect(res.status).toBe(200);
  const r: Json = res.body;
  const slice = (s: Json) => ({ cashless: s.cashless, cash: s.cash, ratio: s.ratio });
  return {
    totals: slice(r.totals),
    households: r.households,
    categories: Object.fromEntries(
      r.groups.filter((g: Json) => g.cashless.count + g.cash.count > 0).map((g: Json) => [g.key, slice(g)]),
    ),
  };
}

function expectedFigures() {
  const slice = (s: (typeof expected)['totals']) => ({ cashless: s.cashless, cash: s.cash, ratio: s.ratio });
  return {
    totals: slice(expected.totals),
    households: {
      total: expected.households.total,
      adopters: expected.households.adopters,
      adoptionRate: expected.households.adoptionRate,
    },
    categories: Object.fromEntries(
      [...expected.groups.category]
        .filter(([, s]) => s.cashless.count + s.cash.count > 0)
        .map(([k, s]) => [k, slice(s)]),
    ),
  };
}

async function seededApp(apps: TestApp[]) {
  const app = await startTestApp({ clock: { now: () => NOW } });
  apps.push(app);
  expect((await seedDemoIfEmpty(app.deps, { scale })).seeded).toBe(true);
  // Before the history: the commune, and no payment at all.
  expect((await figures(app)).totals.cashless.count + (await figures(app)).totals.cash.count).toBe(0);
  return app;
}

describe('the demo history npm start plays in the background', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  it('keeps the API answering while it plays, then shows the demo model’s figures on the API and the dashboard', async () => {
    const app = await seededApp(apps);
    const history = startDemoHistory(app.deps);
    let playing = true;
    const settled = history.done.finally(() => {
      playing = false;
    });
    const statuses: number[] = [];
    let answeredWhilePlaying = 0;
    while (playing) {
      const [health, unit] = await Promise.all([
        app.api('GET', '/healthz'),
        app.api('GET', `/v1/units/${DEMO_COMMUNE.code}`),
      ]);
      statuses.push(health.status, unit.status);
      if (playing) answeredWhilePlaying++;
    }
    const report = (await settled) as HistoryReport;
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(answeredWhilePlaying).toBeGreaterThanOrEqual(3);
    expect(report.scale).toBe(scale);
    expect(report.months).toEqual([
      expect.objectContaining({
        month: '2026-10',
        status: 'played',
        cashKept: 0,
        cashSent: plan.cash.length,
      }),
    ]);

    // Exactly the ground truth of the demo model, category by category …
    const shown = await figures(app);
    expect(shown).toEqual(expectedFigures());
    // … which is a living commune: about half the households pay without cash, electricity is far more
    // cashless than the market.
    expect(shown.totals.cashless.count).toBeGreaterThan(0);
    expect(shown.totals.cash.count).toBeGreaterThan(0);
    expect(shown.households.adoptionRate).toBeGreaterThan(0.35);
    expect(shown.households.adoptionRate).toBeLessThan(0.75);
    expect(shown.categories.electricity.ratio.count).toBeGreaterThan(
      shown.categories.market.ratio.count + 0.3,
    );

    const page = await app.api('GET', `/dashboard?from=${plan.from}&to=${plan.to}`);
    expect(page.status).toBe(200);
    const html = String(page.body);
    const vi = (n: number) => n.toLocaleString('vi-VN');
    expect(html).toContain(`<span data-figure="households">${vi(expected.households.total)}</span>`);
    expect(html).toContain(`<span data-figure="adopters">${vi(expected.households.adopters)}</span>`);
    const t = expected.totals;
    expect(html).toContain(`${vi(t.cashless.count)} / ${vi(t.cashless.count + t.cash.count)}`);
  }, 600_000);

  it('checks a complete history at the next start and sends nothing', async () => {
    const app = apps[0]!;
    const before = await figures(app);
    const cash = (await app.api('GET', `/v1/cash-payments?from=${plan.from}&to=${plan.to}&limit=1`)).body;
    const report = (await startDemoHistory(app.deps).done)!;
    expect(report.months).toEqual([expect.objectContaining({ status: 'complete', cashSent: 0 })]);
    expect(await figures(app)).toEqual(before);
    expect(
      (await app.api('GET', `/v1/cash-payments?from=${plan.from}&to=${plan.to}&limit=1`)).body.totals,
    ).toEqual(cash.totals);
  }, 300_000);

  it('resumes an interrupted history without doubling anything', async () => {
    const app = await seededApp(apps);
    const first = startDemoHistory(app.deps);
    // Interrupted (a shutdown) once the first cash is in.
    for (;;) {
      const cash = await app.api('GET', '/v1/cash-payments?limit=1');
      if (cash.body.totals.entries > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await first.stop();
    expect(await first.done).toBeUndefined();
    const partial = await figures(app);
    expect(partial.totals.cash.count).toBeGreaterThan(0);
    expect(partial.totals.cash.count + partial.totals.cashless.count).toBeLessThan(
      expected.totals.cash.count + expected.totals.cashless.count,
    );

    const report = (await startDemoHistory(app.deps).done)!;
    expect(report.months[0]!.status).toBe('played');
    expect(report.months[0]!.cashKept).toBeGreaterThan(0);
    expect(report.months[0]!.cashKept + report.months[0]!.cashSent).toBe(plan.cash.length);
    expect(await figures(app)).toEqual(expectedFigures());
    const cash = await app.api('GET', `/v1/cash-payments?from=${plan.from}&to=${plan.to}&limit=1`);
    expect(cash.body.totals.entries).toBe(plan.cash.length);
  }, 600_000);

  it('covers the month so far, and the previous month too in a month’s first week', () => {
    expect(historyMonths(NOW)).toEqual([{ month: '2026-10', until: NOW }]);
    const early = new Date('2026-11-03T08:00:00+07:00');
    expect(historyMonths(early)).toEqual([{ month: '2026-10' }, { month: '2026-11', until: early }]);
    // A day is a day in Vietnam: 20:00 UTC on 31 October is 1 November there.
    const turn = new Date('2026-10-31T20:00:00Z');
    expect(historyMonths(turn)).toEqual([{ month: '2026-10' }, { month: '2026-11', until: turn }]);
  });

  it('plans the same month whatever "now" is: a later start only adds what happened since', () => {
    const later = planMonth(commune, {
      month: '2026-10',
      seed: HISTORY_SEED,
      until: new Date('2026-10-27T12:00:00+07:00'),
      marketVolume: HISTORY_MARKET_VOLUME,
      delivery: 'statements',
    });
    expect(later.bills).toEqual(plan.bills);
    expect(later.credits.slice(0, plan.credits.length)).toEqual(plan.credits);
    expect(later.cash.slice(0, plan.cash.length)).toEqual(plan.cash);
    expect(later.credits.length).toBeGreaterThan(plan.credits.length);
  });
});
