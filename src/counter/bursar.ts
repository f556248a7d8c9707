/**
 * GET /bursar — a school's fees per class and student: paid, partly paid, unpaid, with amounts; filter
 * and search (in the page, and in the query for a link, the CSV and printing), a printable list of who
 * still owes, GET /bursar.csv, and payments arriving live (the payee's event stream: each payment
 * re-reads its student from GET /bursar/student, so a row is always what the database says).
 */

import type { Context } from 'hono';
import { Hono, type MiddlewareHandler } from 'hono';
import { html } from 'hono/html';
import { canSee } from '../auth/principal.js';
import { payeeEventHead } from '../events/store.js';
import type { AppEnv } from '../http/context.js';
import type { Payee } from '../payees/store.js';
import { csvCell } from '../payment-requests/export-csv.js';
import { type PaymentRequestStatus, paymentRequestStatuses } from '../payment-requests/status.js';
import { getPaymentRequest, listPaymentRequests } from '../payment-requests/store.js';
import { formatDay, formatNumber, formatVnd } from '../web/format.js';
import { type Lang, langOf } from '../web/i18n.js';
import { jsonForPage, page, pageHeaders } from '../web/layout.js';
import { pageAuth } from '../web/login.js';
import { type CounterKey, ct, messagesFor } from './i18n.js';
import { counterPayee, payeeLabel, today } from './payee.js';
import {
  classesOf,
  groupValue,
  matches,
  NO_CLASS,
  type SchoolClass,
  type StatusFilter,
  type Student,
  type StudentFilter,
  searchText,
  statusFilters,
  studentsOf,
  tally,
} from './students.js';
import { asPage } from './vendor.js';

/** Fees read for one page (a school of 2,000 pupils with 10 fees each). */
export const MAX_FEES = 20_000;
const counted = paymentRequestStatuses.filter((s) => s !== 'cancelled') as PaymentRequestStatus[];

type Query = StudentFilter & { lang: Lang; payee?: string };

function readQuery(c: Context<AppEnv>): Query {
  const status = c.req.query('status');
  return {
    lang: langOf(c.req.query('lang')),
    payee: c.req.query('payee') || undefined,
    group: c.req.query('class') || undefined,
    status: statusFilters.includes(status as StatusFilter) ? (status as StatusFilter) : 'all',
    q: c.req.query('q')?.slice(0, 100) || undefined,
  };
}

function queryString(q: Query, extra: Record<string, string | undefined> = {}) {
  const params = new URLSearchParams();
  const all = {
    payee: q.payee,
    class: q.group,
    status: q.status === 'all' ? undefined : q.status,
    q: q.q,
    lang: q.lang === 'en' ? 'en' : undefined,
    ...extra,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) params.set(k, v);
  const s = params.toString();
  return s ? `?${s}` : '';
}

async function loadStudents(c: Context<AppEnv>, payee: Payee) {
  const rows = await listPaymentRequests(c.var.deps.db, c.var.principal, {
    payeeId: payee.id,
    status: counted,
    limit: MAX_FEES,
    offset: 0,
  });
  return { students: studentsOf(rows), truncated: rows.length >= MAX_FEES };
}

const statusKey = (s: string) => `status_${s}` as CounterKey;
const groupName = (lang: Lang, group: string | null) => group ?? ct(lang, 'noClass');

function studentRow(lang: Lang, s: Student, hidden: boolean) {
  return html`<tr data-key="${s.key}" data-status="${s.status}" data-due="${s.due}" data-paid="${s.paid}" data-owing="${s.owing}" data-search="${searchText(`${s.name} ${s.payerRef ?? ''}`)}"${hidden ? html` hidden` : ''}>
<td class="code">${s.payerRef ?? ''}</td><td class="name">${s.name}</td><td class="num due">${formatVnd(lang, s.due)}</td><td class="num paid">${formatVnd(lang, s.paid)}</td><td class="num owing">${formatVnd(lang, s.owing)}</td><td class="state">${ct(lang, statusKey(s.status))}</td></tr>`;
}

const classSummary = (lang: Lang, k: SchoolClass['tally']) =>
  ct(lang, 'classSummary', {
    paid: formatNumber(lang, k.paid),
    total: formatNumber(lang, k.students),
    owing: formatVnd(lang, k.owing),
  });

function classBody(lang: Lang, k: SchoolClass, f: StudentFilter) {
  const shown = k.students.map((s) => matches(s, f));
  const any = shown.some(Boolean);
  return html`<tbody data-group="${groupValue(k.group)}"${any ? '' : html` hidden`}>
<tr class="class-row"><th colspan="6" scope="colgroup" class="class-head">${ct(lang, 'class')} ${groupName(lang, k.group)} · <span class="class-summary">${classSummary(lang, k.tally)}</span></th></tr>
${k.students.map((s, i) => studentRow(lang, s, !shown[i]))}
</tbody>`;
}

const scriptMessages: CounterKey[] = [
  'status_paid',
  'status_partial',
  'status_unpaid',
  'classSummary',
  'toastPaid',
  'reloadForNew',
  'liveOn',
  'liveConnecting',
  'liveOff',
  'liveExpired',
];

async function renderBursar(c: Context<AppEnv>, q: Query, payee: Payee) {
  const lang = q.lang;
  const { db, clock } = c.var.deps;
  // The head first, then the fees: a payment committed in between is both in the list and sent live,
  // and the live update re-reads the student, so it is never missed nor counted twice.
  const after = await payeeEventHead(db, payee.id);
  const { students, truncated } = await loadStudents(c, payee);
  const classes = classesOf(students);
  const all = tally(students);
  const self = c.var.principal.role === 'payee' ? { ...q, payee: undefined } : { ...q, payee: payee.id };
  const day = today(clock.now()).day;
  const data = {
    payeeId: payee.id,
    after,
    locale: lang === 'vi' ? 'vi-VN' : 'en-GB',
    streamUrl: `/v1/payees/${payee.id}/events`,
    studentUrl: `/bursar/student${queryString({ lang, payee: self.payee })}`,
    messages: messagesFor(lang, scriptMessages),
  };
  const figure = (id: string, label: string, value: string) =>
    html`<article class="card figure"><h3>${label}</h3><p class="big"><output id="${id}">${value}</output></p></article>`;
  const option = (value: string, label: string, selected: boolean) =>
    html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;

  const body = html`<section class="counter bursar" aria-labelledby="h-bursar">
  <h1 id="h-bursar">${payee.name}</h1>
  <p class="sub">${ct(lang, 'bursarTitle')}</p>
  <div class="print-only"><h2 id="print-title">${q.status === 'owing' ? ct(lang, 'owingListTitle') : ct(lang, 'bursarTitle')}${q.group !== undefined ? ` · ${ct(lang, 'class')} ${q.group === NO_CLASS ? ct(lang, 'noClass') : q.group}` : ''}</h2><p>${ct(lang, 'printedOn')} ${formatDay(day)}</p></div>
  <p id="live" class="live" role="status" data-state="connecting">${ct(lang, 'liveConnecting')}</p>
  ${truncated ? html`<p class="error" role="alert">${ct(lang, 'tooMany', { n: formatNumber(lang, MAX_FEES) })}</p>` : ''}
  <div class="cards no-print">
    ${figure('sum-students', ct(lang, 'student'), formatNumber(lang, all.students))}
    ${figure('sum-paid', ct(lang, 'studentsPaid'), formatNumber(lang, all.paid))}
    ${figure('sum-partial', ct(lang, 'studentsPartial'), formatNumber(lang, all.partial))}
    ${figure('sum-unpaid', ct(lang, 'studentsUnpaid'), formatNumber(lang, all.unpaid))}
    ${figure('sum-collected', ct(lang, 'collected'), formatVnd(lang, all.collected))}
    ${figure('sum-outstanding', ct(lang, 'outstanding'), formatVnd(lang, all.owing))}
  </div>
  <form method="get" action="/bursar" class="controls" id="filters" role="search">
    ${self.payee ? html`<input type="hidden" name="payee" value="${self.payee}">` : ''}
    ${lang === 'en' ? html`<input type="hidden" name="lang" value="en">` : ''}
    <label>${ct(lang, 'class')}
      <select name="class" id="f-class">
        ${option('', ct(lang, 'allClasses'), q.group === undefined)}
        ${classes.map((k) => option(groupValue(k.group), groupName(lang, k.group), q.group === groupValue(k.group)))}
      </select></label>
    <label>${ct(lang, 'status')}
      <select name="status" id="f-status">
        ${statusFilters.map((s) => option(s, ct(lang, statusKey(s)), (q.status ?? 'all') === s))}
      </select></label>
    <label>${ct(lang, 'search')}
      <input type="search" name="q" id="f-q" value="${q.q ?? ''}" autocomplete="off"></label>
    <button type="submit" id="f-apply">${ct(lang, 'filter')}</button>
  </form>
  <div class="actions no-print">
    <button type="button" id="print-owing" class="secondary">${ct(lang, 'printOwing')}</button>
    <a class="button secondary" id="csv" href="/bursar.csv${queryString(self)}" download>${ct(lang, 'exportCsv')}</a>
  </div>
  ${
    students.length === 0
      ? html`<p>${ct(lang, 'noRequests')}</p>`
      : html`<p id="none" class="small"${classes.some((k) => k.students.some((s) => matches(s, q))) ? html` hidden` : ''}>${ct(lang, 'noStudents')}</p>
  <div class="scroll"><table id="students">
  <thead><tr><th scope="col">${ct(lang, 'studentCode')}</th><th scope="col">${ct(lang, 'studentName')}</th><th scope="col" class="num">${ct(lang, 'due')}</th><th scope="col" class="num">${ct(lang, 'paid')}</th><th scope="col" class="num">${ct(lang, 'owing')}</th><th scope="col">${ct(lang, 'status')}</th></tr></thead>
  ${classes.map((k) => classBody(lang, k, q))}
  </table></div>`
  }
</section>
<div id="toast" class="toast" role="status" hidden></div>
<script type="application/json" id="bursar-data">${jsonForPage(data)}</script>`;

  return page({
    lang,
    title: `${ct(lang, 'bursarTitle')} · ${payee.name}`,
    body,
    styles: ['counter.css'],
    scripts: ['counter-live.js', 'bursar.js'],
    otherLangHref: `/bursar${queryString({ ...self, lang: lang === 'vi' ? 'en' : 'vi' })}`,
    loggedIn: true,
  });
}

function chooser(lang: Lang, payees: Payee[]) {
  return page({
    lang,
    title: ct(lang, 'chooseSchool'),
    loggedIn: true,
    styles: ['counter.css'],
    otherLangHref: lang === 'vi' ? '/bursar?lang=en' : '/bursar',
    body: html`<section class="card narrow"><h1>${ct(lang, 'chooseSchool')}</h1>
${
  payees.length
    ? html`<ul class="choices">${payees.map(
        (p) =>
          html`<li><a href="/bursar?${new URLSearchParams({ payee: p.id, ...(lang === 'en' ? { lang } : {}) })}">${payeeLabel(p)}</a></li>`,
      )}</ul>`
    : html`<p>${ct(lang, 'notFound')}</p>`
}</section>`,
  });
}

/** The CSV of what the page shows with the same filter: class, code, name, due, paid, owing, status. */
export function studentsCsv(lang: Lang, classes: SchoolClass[], f: StudentFilter): string {
  const head = [
    ct(lang, 'class'),
    ct(lang, 'studentCode'),
    ct(lang, 'studentName'),
    ct(lang, 'due'),
    ct(lang, 'paid'),
    ct(lang, 'owing'),
    ct(lang, 'status'),
  ];
  const lines = [head.map(csvCell).join(',')];
  for (const k of classes) {
    for (const s of k.students) {
      if (!matches(s, f)) continue;
      lines.push(
        [k.group, s.payerRef, s.name, s.due, s.paid, s.owing, ct(lang, statusKey(s.status))]
          .map(csvCell)
          .join(','),
      );
    }
  }
  // A BOM so Excel reads the Vietnamese names as UTF-8.
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

export function bursarRoutes(authenticate: MiddlewareHandler<AppEnv>) {
  const app = new Hono<AppEnv>();
  app.use('/bursar', pageHeaders, pageAuth(authenticate));
  app.use('/bursar.csv', pageAuth(authenticate));
  app.use('/bursar/student', authenticate);

  app.get('/bursar', (c) => {
    const q = readQuery(c);
    return asPage(q.lang, async () => {
      const found = await counterPayee(c, ['school']);
      if ('choose' in found) return c.html(chooser(q.lang, found.choose));
      return c.html(await renderBursar(c, q, found.payee));
    });
  });

  app.get('/bursar.csv', (c) => {
    const q = readQuery(c);
    return asPage(q.lang, async () => {
      const found = await counterPayee(c, ['school']);
      if ('choose' in found) return c.redirect(`/bursar${queryString(q)}`, 303);
      const { students } = await loadStudents(c, found.payee);
      const day = today(c.var.deps.clock.now()).day;
      const name = `${q.status === 'owing' ? 'con-no' : 'hoc-phi'}${q.group ? `-${searchText(q.group).replace(/[^a-z0-9]+/g, '')}` : ''}-${day}.csv`;
      return c.body(studentsCsv(q.lang, classesOf(students), q), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${name}"`,
        'cache-control': 'no-store',
      });
    });
  });

  /** One student as the page shows them, after a payment: `?ref=` (their code) or `?request=` (a fee without one). */
  app.get('/bursar/student', async (c) => {
    const lang = langOf(c.req.query('lang'));
    const found = await counterPayee(c, ['school']);
    if ('choose' in found) return c.json({ error: { code: 'not_found', message: 'Choose a payee' } }, 404);
    const ref = c.req.query('ref');
    const requestId = c.req.query('request');
    let rows: Awaited<ReturnType<typeof listPaymentRequests>> = [];
    if (ref) {
      rows = await listPaymentRequests(c.var.deps.db, c.var.principal, {
        payeeId: found.payee.id,
        payerRef: ref,
        status: counted,
        limit: 1000,
        offset: 0,
      });
    } else if (requestId) {
      const r = await getPaymentRequest(c.var.deps.db, requestId);
      if (r && r.payeeId === found.payee.id && canSee(c.var.principal, r)) rows = [r];
    }
    const [student] = studentsOf(rows);
    if (!student) return c.json({ error: { code: 'not_found', message: 'Student not found' } }, 404);
    return c.json(
      {
        ...student,
        statusLabel: ct(lang, statusKey(student.status)),
        search: searchText(`${student.name} ${student.payerRef ?? ''}`),
      },
      200,
    );
  });
  return app;
}
