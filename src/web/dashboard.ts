import { Hono, type MiddlewareHandler } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../http/context.js';
import { AppError } from '../http/errors.js';
import { isCalendarDate, monthStart } from '../metrics/day.js';
import { type Ratios, ratios, share, type Tally } from '../metrics/ratio.js';
import { cashlessReport, metricsPeriod, metricsUnit } from '../metrics/report.js';
import { cashlessFigures, stallActivity } from '../metrics/store.js';
import { countReviewQueue } from '../transactions/store.js';
import { listSubtree, type Unit } from '../units/store.js';
import { formatDay, formatMonth, formatNumber, formatPercent, formatVnd, parseDay } from './format.js';
import { categoryName, type Lang, langOf, t } from './i18n.js';
import { jsonForPage, page, pageHeaders } from './layout.js';
import { pageAuth } from './login.js';

/**
 * The cashless target the dashboard measures a commune against: half of payments cashless (by count,
 * value and payers alike). A constant until communes set their own.
 */
export const COMMUNE_CASHLESS_TARGET = 0.5;

type Query = { unit?: string; from?: string; to?: string; lang: Lang };

const href = (q: Query, extra: Record<string, string | undefined> = {}) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ unit: q.unit, from: q.from, to: q.to, ...extra }))
    if (v) params.set(k, v);
  if (q.lang === 'en' && !('lang' in extra)) params.set('lang', 'en');
  const s = params.toString();
  return `/dashboard${s ? `?${s}` : ''}`;
};

function ratioCard(lang: Lang, name: string, metric: string, ratio: number | null, detail: string) {
  const met = ratio !== null && ratio >= COMMUNE_CASHLESS_TARGET;
  return html`<article class="card ratio" data-metric="${metric}">
  <h3>${name}</h3>
  <p class="big"><output data-value="${ratio ?? ''}">${formatPercent(lang, ratio)}</output></p>
  <meter min="0" max="1" low="${COMMUNE_CASHLESS_TARGET}" optimum="1" value="${ratio ?? 0}">${formatPercent(lang, ratio)}</meter>
  <p class="small">${detail}</p>
  <p class="${ratio === null ? 'status' : met ? 'status ok' : 'status warn'}">${
    ratio === null ? t(lang, 'noData') : met ? t(lang, 'targetMet') : t(lang, 'targetNotMet')
  } · ${t(lang, 'target')} ${formatPercent(lang, COMMUNE_CASHLESS_TARGET)}</p>
</article>`;
}

type Row = { key: string; label: string; href?: string; cashless: Tally; cash: Tally; ratio: Ratios };

function ratioTable(lang: Lang, id: string, firstColumn: string, rows: Row[]) {
  return html`<div class="scroll"><table id="${id}">
<thead><tr><th scope="col">${firstColumn}</th><th scope="col" class="num">${t(lang, 'cashless')}</th><th scope="col" class="num">${t(lang, 'cash')}</th><th scope="col" class="num">${t(lang, 'value')} (${t(lang, 'cashless')})</th><th scope="col" class="num">${t(lang, 'byCount')}</th><th scope="col" class="num">${t(lang, 'byValue')}</th><th scope="col" class="num">${t(lang, 'byPayers')}</th></tr></thead>
<tbody>
${rows.map(
  (r) => html`<tr data-key="${r.key}">
<th scope="row">${r.href ? html`<a href="${r.href}">${r.label}</a>` : r.label}</th>
<td class="num">${formatNumber(lang, r.cashless.count)}</td>
<td class="num">${formatNumber(lang, r.cash.count)}</td>
<td class="num">${formatVnd(lang, r.cashless.value)}</td>
<td class="num" data-ratio="count">${formatPercent(lang, r.ratio.count)}</td>
<td class="num" data-ratio="value">${formatPercent(lang, r.ratio.value)}</td>
<td class="num" data-ratio="payers">${formatPercent(lang, r.ratio.payers)}</td>
</tr>`,
)}
</tbody></table></div>`;
}

async function render(deps: AppDeps, c: Parameters<MiddlewareHandler<AppEnv>>[0], q: Query) {
  const { db, clock } = deps;
  const lang = q.lang;
  const p = c.var.principal;
  let unitCode = q.unit;
  let choices: Unit[] = [];
  if (!unitCode && p.role === 'admin') {
    // An admin key names no unit: show the first commune (the demo's), with links to the others.
    choices = (await listSubtree(db, '/')).filter((u) => u.level !== 'hamlet').slice(0, 200);
    unitCode = (choices.find((u) => u.level === 'commune') ?? choices[0])?.code;
    if (!unitCode) throw new AppError(404, 'not_found', t(lang, 'chooseUnit'));
  }
  const unit = await metricsUnit(db, p, unitCode);
  const period = metricsPeriod(clock, { from: q.from, to: q.to });
  const trendFrom = monthStart(period.to, 11);
  const [report, byCategory, byMonth, stalls, reviewQueue] = await Promise.all([
    cashlessReport(db, unit, period, 'unit'),
    cashlessFigures(db, { unitCode: unit.code, unitPath: unit.path, ...period, groupBy: 'category' }),
    cashlessFigures(db, {
      unitCode: unit.code,
      unitPath: unit.path,
      from: trendFrom,
      to: period.to,
      groupBy: 'month',
    }),
    stallActivity(db, unit.path, period.from, period.to),
    countReviewQueue(db, unit.path),
  ]);
  const tot = report.totals;
  const q2 = { ...q, unit: unit.code };

  const unitRows: Row[] = report.groups.map((g) => ({
    key: g.key,
    label: g.key === unit.code ? t(lang, 'ownUnit') : (g.name ?? g.key),
    href: g.key === unit.code ? undefined : href(q2, { unit: g.key }),
    cashless: g.cashless,
    cash: g.cash,
    ratio: g.ratio,
  }));
  const categoryRows: Row[] = byCategory.groups
    .filter((g) => g.slice.cashless.count + g.slice.cash.count !== 0)
    .map((g) => ({
      key: g.key,
      label: categoryName(lang, g.key),
      cashless: g.slice.cashless,
      cash: g.slice.cash,
      ratio: ratios(g.slice.cashless, g.slice.cash),
    }));
  const monthRows: Row[] = byMonth.groups.map((g) => ({
    key: g.key,
    label: formatMonth(g.key),
    cashless: g.slice.cashless,
    cash: g.slice.cash,
    ratio: ratios(g.slice.cashless, g.slice.cash),
  }));
  const hamletWord = unit.level === 'commune' ? t(lang, 'perHamlet') : t(lang, 'perUnit');
  const chartData = {
    target: COMMUNE_CASHLESS_TARGET,
    locale: lang === 'vi' ? 'vi-VN' : 'en-GB',
    labels: {
      count: t(lang, 'chartCount'),
      value: t(lang, 'chartValue'),
      payers: t(lang, 'chartPayers'),
      target: t(lang, 'target'),
      month: t(lang, 'month'),
      unit: t(lang, 'unit'),
      category: t(lang, 'category'),
    },
    trend: {
      x: monthRows.map((r) => r.label),
      count: monthRows.map((r) => r.ratio.count),
      value: monthRows.map((r) => r.ratio.value),
      payers: monthRows.map((r) => r.ratio.payers),
    },
    units: { x: unitRows.map((r) => r.label), count: unitRows.map((r) => r.ratio.count) },
    categories: { x: categoryRows.map((r) => r.label), count: categoryRows.map((r) => r.ratio.count) },
  };
  const csv = (groupBy: string, from = period.from) =>
    `/v1/metrics/cashless.csv?${new URLSearchParams({ unit: unit.code, from, to: period.to, groupBy })}`;
  const adoption = report.households;
  const dateLabel = `${formatDay(period.from)} – ${formatDay(period.to)}`;

  const body = html`
<section class="head">
  <h1>${unit.name}</h1>
  <p class="sub">${t(lang, 'dashboard')} · <span id="period">${dateLabel}</span></p>
  <form method="get" action="/dashboard" class="period">
    <input type="hidden" name="unit" value="${unit.code}">
    ${lang === 'en' ? html`<input type="hidden" name="lang" value="en">` : ''}
    <label>${t(lang, 'from')} <input name="from" value="${formatDay(period.from)}" placeholder="dd/mm/yyyy" pattern="\\d{1,2}/\\d{1,2}/\\d{4}|\\d{4}-\\d{2}-\\d{2}" inputmode="numeric" size="10" required></label>
    <label>${t(lang, 'to')} <input name="to" value="${formatDay(period.to)}" placeholder="dd/mm/yyyy" pattern="\\d{1,2}/\\d{1,2}/\\d{4}|\\d{4}-\\d{2}-\\d{2}" inputmode="numeric" size="10" required></label>
    <button type="submit">${t(lang, 'show')}</button>
  </form>
  ${
    choices.length > 1
      ? html`<nav class="units" aria-label="${t(lang, 'unit')}">${choices.map((u) =>
          u.code === unit.code
            ? html`<strong>${u.name}</strong>`
            : html`<a href="${href({ ...q, unit: u.code })}">${u.name}</a>`,
        )}</nav>`
      : ''
  }
</section>

<section aria-labelledby="h-headline">
  <h2 id="h-headline">${t(lang, 'headline')}</h2>
  <div class="cards">
    ${ratioCard(lang, t(lang, 'byCount'), 'count', tot.ratio.count, `${formatNumber(lang, tot.cashless.count)} / ${formatNumber(lang, tot.cashless.count + tot.cash.count)} ${t(lang, 'payments')}`)}
    ${ratioCard(lang, t(lang, 'byValue'), 'value', tot.ratio.value, `${formatVnd(lang, tot.cashless.value)} / ${formatVnd(lang, tot.cashless.value + tot.cash.value)}`)}
    ${ratioCard(lang, t(lang, 'byPayers'), 'payers', tot.ratio.payers, `${formatNumber(lang, tot.cashless.payers)} ${t(lang, 'cashless').toLowerCase()} · ${formatNumber(lang, tot.cash.payers)} ${t(lang, 'cash').toLowerCase()}`)}
    <article class="card ratio" data-metric="adoption">
      <h3>${t(lang, 'adoption')}</h3>
      <p class="big"><output data-value="${adoption.adoptionRate ?? ''}">${formatPercent(lang, adoption.adoptionRate)}</output></p>
      <meter min="0" max="1" value="${adoption.adoptionRate ?? 0}">${formatPercent(lang, adoption.adoptionRate)}</meter>
      <p class="small"><span data-figure="adopters">${formatNumber(lang, adoption.adopters)}</span> ${t(lang, 'adoptionOf')} <span data-figure="households">${formatNumber(lang, adoption.total)}</span> ${t(lang, 'households').toLowerCase()}</p>
    </article>
  </div>
</section>

<section aria-labelledby="h-trend">
  <h2 id="h-trend">${t(lang, 'trend')}</h2>
  <div class="chart" id="chart-trend" role="img" aria-label="${t(lang, 'trend')}"></div>
  <details><summary>${t(lang, 'month')}</summary>${ratioTable(lang, 'table-months', t(lang, 'month'), monthRows)}</details>
</section>

<section aria-labelledby="h-units">
  <h2 id="h-units">${hamletWord}</h2>
  <div class="chart" id="chart-units" role="img" aria-label="${hamletWord}"></div>
  ${ratioTable(lang, 'table-units', t(lang, 'unit'), unitRows)}
</section>

<section aria-labelledby="h-categories">
  <h2 id="h-categories">${t(lang, 'perCategory')}</h2>
  <div class="chart" id="chart-categories" role="img" aria-label="${t(lang, 'perCategory')}"></div>
  ${categoryRows.length ? ratioTable(lang, 'table-categories', t(lang, 'category'), categoryRows) : html`<p>${t(lang, 'noData')}</p>`}
</section>

<section aria-labelledby="h-market">
  <h2 id="h-market">${t(lang, 'market')}</h2>
  <div class="cards">
    <article class="card figure" data-metric="stalls"><h3>${t(lang, 'stalls')}</h3><p class="big">${formatNumber(lang, report.market.stalls)}</p></article>
    <article class="card figure" data-metric="stalls-with-qr"><h3>${t(lang, 'stallsWithQr')}</h3><p class="big">${formatNumber(lang, report.market.stallsWithQr)}</p></article>
    <article class="card figure" data-metric="stalls-paid-by-qr"><h3>${t(lang, 'stallsPaidByQr')}</h3><p class="big">${formatNumber(lang, report.market.stallsPaidByQr)}</p>
      <p class="small">${formatPercent(lang, share(report.market.stallsPaidByQr, report.market.stalls))}</p></article>
  </div>
  ${
    stalls.length
      ? html`<details><summary>${t(lang, 'stalls')} (${formatNumber(lang, stalls.length)})</summary><div class="scroll"><table id="table-stalls">
<thead><tr><th scope="col">${t(lang, 'stall')}</th><th scope="col">${t(lang, 'name')}</th><th scope="col" class="num">${t(lang, 'cashless')}</th><th scope="col" class="num">${t(lang, 'value')}</th><th scope="col" class="num">${t(lang, 'cash')}</th><th scope="col" class="num">${t(lang, 'value')}</th></tr></thead>
<tbody>${stalls.map(
          (s) =>
            html`<tr data-key="${s.payeeId}"><td>${s.stallNo ?? ''}</td><td>${s.name}</td><td class="num">${formatNumber(lang, s.cashless.count)}</td><td class="num">${formatVnd(lang, s.cashless.value)}</td><td class="num">${formatNumber(lang, s.cash.count)}</td><td class="num">${formatVnd(lang, s.cash.value)}</td></tr>`,
        )}</tbody></table></div></details>`
      : html`<p>${t(lang, 'noStalls')}</p>`
  }
</section>

<section aria-labelledby="h-review" class="cards">
  <article class="card figure" data-metric="review-queue">
    <h2 id="h-review">${t(lang, 'reviewQueue')}</h2>
    <p class="big">${formatNumber(lang, reviewQueue)}</p>
    <p class="small">${t(lang, 'reviewQueueHelp')}</p>
  </article>
  <article class="card figure">
    <h2>${t(lang, 'export')}</h2>
    <ul class="links">
      <li><a id="csv-unit" href="${csv('unit')}" download>${t(lang, 'exportBy')}: ${hamletWord}</a></li>
      <li><a href="${csv('category')}" download>${t(lang, 'exportBy')}: ${t(lang, 'perCategory')}</a></li>
      <li><a href="${csv('month', trendFrom)}" download>${t(lang, 'exportBy')}: ${t(lang, 'trend')}</a></li>
      <li><a href="${csv('day')}" download>${t(lang, 'exportBy')}: ${t(lang, 'period')}</a></li>
    </ul>
  </article>
</section>
<script type="application/json" id="chart-data">${jsonForPage(chartData)}</script>`;

  return page({
    lang,
    title: `${t(lang, 'dashboard')} · ${unit.name}`,
    body,
    styles: ['uplot.min.css'],
    scripts: ['uplot.min.js', 'dashboard.js'],
    otherLangHref: href(q2, { lang: lang === 'vi' ? 'en' : undefined }),
    loggedIn: true,
  });
}

function errorPage(lang: Lang, status: number, message: string) {
  return page({
    lang,
    title: String(status),
    body: html`<section class="card narrow"><h1>${status}</h1><p class="error">${message}</p>
<p><a href="/dashboard${lang === 'en' ? '?lang=en' : ''}">${t(lang, 'dashboard')}</a></p></section>`,
    loggedIn: true,
  });
}

/** GET /dashboard — the commune's cashless dashboard (server-rendered; charts drawn by /assets/dashboard.js). */
export function dashboardRoutes(authenticate: MiddlewareHandler<AppEnv>) {
  const app = new Hono<AppEnv>();
  app.use('/dashboard', pageHeaders, pageAuth(authenticate));
  app.get('/dashboard', async (c) => {
    const lang = langOf(c.req.query('lang'));
    const date = (v: string | undefined) => {
      const day = v === undefined ? undefined : parseDay(v);
      return day && isCalendarDate(day) ? day : undefined;
    };
    const q: Query = {
      unit: c.req.query('unit') || undefined,
      from: date(c.req.query('from')),
      to: date(c.req.query('to')),
      lang,
    };
    try {
      return c.html(await render(c.var.deps, c, q));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const message = err.status === 404 ? t(lang, 'notFound') : err.message;
      return c.html(errorPage(lang, err.status, message), err.status as ContentfulStatusCode);
    }
  });
  return app;
}
