/**
 * GET /vendor — a stall's screen on the vendor's phone: today's takings by QR and in cash, the latest
 * payments live (server-sent events), a spoken "Đã nhận 35.000 đồng" for each QR payment, a button
 * to record a cash sale, and the stall's QR full screen for a customer to scan. Script:
 * /assets/vendor.js; the figures are rendered here, so the page reads right before (or without) it.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type EventMessage, payeeTakings, toEventMessage } from '../events/store.js';
import type { AppEnv } from '../http/context.js';
import { AppError } from '../http/errors.js';
import type { Payee } from '../payees/store.js';
import { findBank } from '../vietqr/banks.js';
import { formatNumber, formatVnd } from '../web/format.js';
import { type Lang, langOf } from '../web/i18n.js';
import { jsonForPage, page, pageHeaders } from '../web/layout.js';
import { pageAuth } from '../web/login.js';
import { type CounterKey, ct, messagesFor } from './i18n.js';
import { counterPayee, payeeLabel, today } from './payee.js';

/** Payments listed when the page opens; the live list keeps at most LIVE_ITEMS. */
const RECENT = 30;
export const LIVE_ITEMS = 50;

const locale = (lang: Lang) => (lang === 'vi' ? 'vi-VN' : 'en-GB');

function timeOf(lang: Lang, iso: string) {
  return new Intl.DateTimeFormat(locale(lang), {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: 'Asia/Ho_Chi_Minh',
  }).format(new Date(iso));
}

const channelKey = (channel: string) =>
  (['qr', 'transfer', 'ewallet', 'cash'].includes(channel)
    ? `channel_${channel}`
    : 'channel_transfer') as CounterKey;

/** Who paid, when the payment was for a bill (a market sale has no name). */
export function payerOf(e: EventMessage): string {
  const r = e.paymentRequest;
  if (!r) return '';
  return [r.payerName ?? r.payerRef ?? r.reference, r.payerGroup].filter(Boolean).join(' · ');
}

/** One line of the list; vendor.js builds the same markup for live events. */
function feedItem(lang: Lang, e: EventMessage) {
  return html`<li data-seq="${e.seq}" data-channel="${e.channel}"${e.refundDue ? html` class="refund"` : ''}>
<time datetime="${e.at}">${timeOf(lang, e.at)}</time><span class="what">${ct(lang, channelKey(e.channel))}</span><span class="amount">${formatVnd(lang, e.amount)}</span>${
    payerOf(e) || e.refundDue
      ? html`<span class="who">${[payerOf(e), e.refundDue ? ct(lang, 'refundDue') : ''].filter(Boolean).join(' · ')}</span>`
      : ''
  }</li>`;
}

const scriptMessages: CounterKey[] = [
  'channel_qr',
  'channel_transfer',
  'channel_ewallet',
  'channel_cash',
  'refundDue',
  'liveOn',
  'liveConnecting',
  'liveOff',
  'liveExpired',
  'speechEnable',
  'speechAsk',
  'speechOn',
  'speechUnavailable',
  'speechNoVoice',
  'speechBlocked',
  'speechTest',
  'cashSaved',
  'cashInvalid',
  'cashFailed',
  'cashSaving',
  'received',
];

function chooser(lang: Lang, payees: Payee[], base: string) {
  return page({
    lang,
    title: ct(lang, 'chooseVendor'),
    loggedIn: true,
    styles: ['counter.css'],
    otherLangHref: lang === 'vi' ? `${base}?lang=en` : base,
    body: html`<section class="card narrow"><h1>${ct(lang, 'chooseVendor')}</h1>
${
  payees.length
    ? html`<ul class="choices">${payees.map(
        (p) =>
          html`<li><a href="${base}?${new URLSearchParams({ payee: p.id, ...(lang === 'en' ? { lang } : {}) })}">${payeeLabel(p)}</a></li>`,
      )}</ul>`
    : html`<p>${ct(lang, 'noVendors')}</p>`
}</section>`,
  });
}

export function errorPage(lang: Lang, status: number, message: string) {
  return page({
    lang,
    title: String(status),
    loggedIn: true,
    styles: ['counter.css'],
    body: html`<section class="card narrow"><h1>${status}</h1><p class="error" role="alert">${message}</p></section>`,
  });
}

/** Turns a thrown AppError into a page in the visitor's language (the API's JSON is for programs). */
export async function asPage(lang: Lang, run: () => Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const message = err.status === 404 ? ct(lang, 'notFound') : err.message;
    return new Response(String(await errorPage(lang, err.status, message)), {
      status: err.status as ContentfulStatusCode,
      headers: { 'content-type': 'text/html; charset=UTF-8' },
    });
  }
}

export function vendorRoutes(authenticate: MiddlewareHandler<AppEnv>) {
  const app = new Hono<AppEnv>();
  app.use('/vendor', pageHeaders, pageAuth(authenticate));
  app.get('/vendor', (c) => {
    const lang = langOf(c.req.query('lang'));
    return asPage(lang, async () => {
      const found = await counterPayee(c, ['market_vendor', 'public_service', 'utility', 'other', 'school']);
      if ('choose' in found) return c.html(chooser(lang, found.choose, '/vendor'));
      const { payee } = found;
      const { db, clock } = c.var.deps;
      const day = today(clock.now());
      const takings = await payeeTakings(db, payee.id, day.from, day.to, RECENT);
      const recent = takings.recent.map(toEventMessage);
      const bank = findBank(payee.bankBin);
      const self = new URLSearchParams(c.var.principal.role === 'payee' ? {} : { payee: payee.id });
      const otherLang = new URLSearchParams(self);
      if (lang === 'vi') otherLang.set('lang', 'en');
      const data = {
        payeeId: payee.id,
        after: takings.head,
        today: day.day,
        locale: locale(lang),
        streamUrl: `/v1/payees/${payee.id}/events`,
        cashUrl: '/v1/cash-payments',
        cashless: takings.cashless,
        cash: takings.cash,
        liveItems: LIVE_ITEMS,
        messages: messagesFor(lang, scriptMessages),
      };
      const total = takings.cashless.value + takings.cash.value;
      const body = html`<section class="counter vendor" aria-labelledby="h-vendor">
  <h1 id="h-vendor">${payee.name}${payee.stallNo ? html` <span class="tag">${ct(lang, 'stall')} ${payee.stallNo}</span>` : ''}</h1>
  <div id="speech" class="banner" hidden>
    <p id="speech-msg" role="status"></p>
    <button type="button" id="speech-on" class="big">${ct(lang, 'speechEnable')}</button>
  </div>
  <p id="live" class="live" role="status" data-state="connecting">${ct(lang, 'liveConnecting')}</p>
  <div class="totals">
    <article class="card total qr" aria-labelledby="h-qr">
      <h2 id="h-qr">${ct(lang, 'todayQr')}</h2>
      <p class="big"><output id="qr-value" data-value="${takings.cashless.value}">${formatVnd(lang, takings.cashless.value)}</output></p>
      <p class="small"><span id="qr-count">${formatNumber(lang, takings.cashless.count)}</span> ${ct(lang, 'payments')}</p>
    </article>
    <article class="card total cash" aria-labelledby="h-cash">
      <h2 id="h-cash">${ct(lang, 'todayCash')}</h2>
      <p class="big"><output id="cash-value" data-value="${takings.cash.value}">${formatVnd(lang, takings.cash.value)}</output></p>
      <p class="small"><span id="cash-count">${formatNumber(lang, takings.cash.count)}</span> ${ct(lang, 'sales')}</p>
    </article>
  </div>
  <p class="sum">${ct(lang, 'todayAll')}: <output id="all-value">${formatVnd(lang, total)}</output></p>
  <div class="actions">
    <button type="button" id="show-qr" class="big">${ct(lang, 'showQr')}</button>
    <button type="button" id="open-cash" class="big secondary" aria-expanded="false" aria-controls="cash-form">${ct(lang, 'recordCash')}</button>
  </div>
  <form id="cash-form" class="card cash-form" hidden novalidate>
    <label for="cash-amount">${ct(lang, 'cashAmount')}</label>
    <input id="cash-amount" name="amount" inputmode="numeric" autocomplete="off" enterkeyhint="done" required>
    <div class="actions">
      <button type="submit" class="big" id="cash-save">${ct(lang, 'cashSave')}</button>
      <button type="button" class="big secondary" id="cash-cancel">${ct(lang, 'cashCancel')}</button>
    </div>
    <p id="cash-msg" role="status"></p>
  </form>
  <h2 id="h-latest">${ct(lang, 'latest')}</h2>
  <p id="feed-empty" class="small"${recent.length ? html` hidden` : ''}>${ct(lang, 'noPaymentsYet')}</p>
  <ol id="feed" class="feed" aria-labelledby="h-latest" aria-live="polite">${recent.map((e) => feedItem(lang, e))}</ol>
</section>
<div id="qr-screen" class="qr-screen" role="dialog" aria-modal="true" aria-labelledby="qr-title" hidden>
  <p id="qr-title" class="qr-name">${payeeLabel(payee)}</p>
  <img src="/v1/payees/${payee.id}/qr.svg" alt="${ct(lang, 'qrAlt')}" width="320" height="320">
  <p class="qr-account">${bank?.shortName ?? payee.bankBin} · ${payee.accountName}</p>
  <p class="small">${ct(lang, 'qrHelp')}</p>
  <button type="button" id="qr-close" class="big">${ct(lang, 'close')}</button>
</div>
<div id="flash" class="flash" aria-hidden="true" hidden></div>
<script type="application/json" id="vendor-data">${jsonForPage(data)}</script>`;
      return c.html(
        page({
          lang,
          title: `${ct(lang, 'vendorTitle')} · ${payee.name}`,
          body,
          styles: ['counter.css'],
          scripts: ['counter-live.js', 'vendor.js'],
          otherLangHref: `/vendor${otherLang.size ? `?${otherLang}` : ''}`,
          loggedIn: true,
        }),
      );
    });
  });
  return app;
}
