/**
 * Logging a counter screen in without typing a key:
 * - GET/POST /counter/login-card (staff, admins): make a one-time login link for a payee and print it
 *   as a QR code;
 * - GET /counter/enter?t=… (the vendor's phone, from the QR): says whose screen it opens, and a tap
 *   (POST) spends the link, sets the HttpOnly key cookie and opens /vendor (or /bursar for a school).
 *   The GET changes nothing, so a messaging app that previews the link does not use it up.
 */
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { setCookie } from 'hono/cookie';
import { html, raw } from 'hono/html';
import { KEY_COOKIE } from '../auth/middleware.js';
import { actorOf, assertVisible, mayManageUnit } from '../auth/principal.js';
import type { AppEnv } from '../http/context.js';
import { AppError, forbidden } from '../http/errors.js';
import { scopeOfPayee } from '../payees/routes.js';
import { getPayee, type Payee } from '../payees/store.js';
import { renderQrSvg } from '../vietqr/render.js';
import { type Lang, langOf } from '../web/i18n.js';
import { page, pageHeaders } from '../web/layout.js';
import { pageAuth } from '../web/login.js';
import { ct } from './i18n.js';
import {
  COUNTER_SESSION_DAYS,
  createLoginLink,
  DEFAULT_LINK_HOURS,
  findUsableLink,
  MAX_LINK_HOURS,
  redeemLoginLink,
} from './login-links.js';
import { payeeLabel, publicOrigin } from './payee.js';
import { asPage } from './vendor.js';

const VALIDITY_HOURS = [24, DEFAULT_LINK_HOURS, 7 * 24, MAX_LINK_HOURS];

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** A form posted from another site is refused (the session cookie is SameSite=Strict; this covers the rest). */
function sameOrigin(c: Context<AppEnv>): boolean {
  const origin = c.req.header('origin');
  return !origin || origin === 'null' || new URL(origin).host === c.req.header('host');
}

function invalidLink(c: Context<AppEnv>, lang: Lang) {
  return c.html(
    page({
      lang,
      title: ct(lang, 'enterTitle'),
      styles: ['counter.css'],
      body: html`<section class="card narrow"><h1>${ct(lang, 'enterTitle')}</h1><p class="error" role="alert">${ct(lang, 'enterInvalid')}</p></section>`,
    }),
    410,
  );
}

const screenOf = (p: Payee) => (p.kind === 'school' ? '/bursar' : '/vendor');

async function staffPayee(c: Context<AppEnv>, id: string | undefined, lang: Lang): Promise<Payee> {
  const p = c.var.principal;
  const payee = id ? await getPayee(c.var.deps.db, id) : undefined;
  assertVisible(p, 'Payee', payee && scopeOfPayee(payee));
  if (!mayManageUnit(p, payee!.unitPath)) throw forbidden(ct(lang, 'loginCardStaffOnly'));
  return payee!;
}

export function loginPageRoutes(authenticate: MiddlewareHandler<AppEnv>) {
  const app = new Hono<AppEnv>();
  app.use('/counter/*', pageHeaders);
  app.use('/counter/login-card', pageAuth(authenticate));

  app.get('/counter/enter', async (c) => {
    const lang = langOf(c.req.query('lang'));
    const token = c.req.query('t') ?? '';
    const payee = await findUsableLink(c.var.deps.db, token, c.var.deps.clock.now());
    if (!payee) return invalidLink(c, lang);
    const other = new URLSearchParams({ t: token, ...(lang === 'vi' ? { lang: 'en' } : {}) });
    return c.html(
      page({
        lang,
        title: ct(lang, 'enterTitle'),
        styles: ['counter.css'],
        otherLangHref: `/counter/enter?${other}`,
        body: html`<section class="card narrow">
  <h1>${ct(lang, 'enterTitle')}</h1>
  <p>${ct(lang, 'enterFor')}</p>
  <p class="big" id="enter-payee">${payeeLabel(payee)}</p>
  <form method="post" action="/counter/enter">
    <input type="hidden" name="t" value="${token}">
    <input type="hidden" name="lang" value="${lang}">
    <button type="submit" class="big" id="enter">${ct(lang, 'enterButton')}</button>
  </form>
  <p class="help">${ct(lang, 'enterHelp')}</p>
</section>`,
      }),
    );
  });

  app.post('/counter/enter', async (c) => {
    if (!sameOrigin(c)) return c.text('Forbidden', 403);
    const form = await c.req.parseBody();
    const lang = langOf(str(form.lang));
    const spent = await redeemLoginLink(c.var.deps.db, str(form.t) ?? '', c.var.deps.clock.now());
    if (!spent) return invalidLink(c, lang);
    const secure = new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
    setCookie(c, KEY_COOKIE, spent.key, {
      httpOnly: true,
      sameSite: 'Strict',
      secure,
      path: '/',
      maxAge: COUNTER_SESSION_DAYS * 86_400,
    });
    return c.redirect(`${screenOf(spent.payee)}${lang === 'en' ? '?lang=en' : ''}`, 303);
  });

  app.get('/counter/login-card', (c) => {
    const lang = langOf(c.req.query('lang'));
    return asPage(lang, async () => {
      const payee = await staffPayee(c, c.req.query('payee'), lang);
      const other = new URLSearchParams({ payee: payee.id, ...(lang === 'vi' ? { lang: 'en' } : {}) });
      return c.html(
        page({
          lang,
          title: ct(lang, 'loginCardTitle'),
          styles: ['counter.css'],
          loggedIn: true,
          otherLangHref: `/counter/login-card?${other}`,
          body: html`<section class="card narrow">
  <h1>${ct(lang, 'loginCardTitle')}</h1>
  <p>${ct(lang, 'loginCardFor')}</p>
  <p class="big">${payeeLabel(payee)}</p>
  <form method="post" action="/counter/login-card">
    <input type="hidden" name="payee" value="${payee.id}">
    <input type="hidden" name="lang" value="${lang}">
    <label for="hours">${ct(lang, 'loginCardValidity')}</label>
    <select id="hours" name="hours">${VALIDITY_HOURS.map(
      (h) =>
        html`<option value="${h}"${h === DEFAULT_LINK_HOURS ? html` selected` : ''}>${
          h < 48 ? ct(lang, 'loginCardHours', { n: h }) : ct(lang, 'loginCardDays', { n: h / 24 })
        }</option>`,
    )}</select>
    <p class="help">${ct(lang, 'loginCardHelp', { days: COUNTER_SESSION_DAYS })}</p>
    <button type="submit" class="big" id="create-card">${ct(lang, 'loginCardCreate')}</button>
  </form>
</section>`,
        }),
      );
    });
  });

  app.post('/counter/login-card', async (c) => {
    if (!sameOrigin(c)) return c.text('Forbidden', 403);
    const form = await c.req.parseBody();
    const lang = langOf(str(form.lang));
    return asPage(lang, async () => {
      const payee = await staffPayee(c, str(form.payee), lang);
      const hours = Number(str(form.hours) ?? DEFAULT_LINK_HOURS);
      if (!Number.isInteger(hours) || hours < 1 || hours > MAX_LINK_HOURS) {
        throw new AppError(422, 'invalid_hours', `hours: 1 to ${MAX_LINK_HOURS}`);
      }
      const { clock, db } = c.var.deps;
      const link = await createLoginLink(db, {
        payeeId: payee.id,
        hours,
        actor: actorOf(c.var.principal),
        now: clock.now(),
      });
      const url = `${publicOrigin(c)}/counter/enter?t=${link.token}${lang === 'en' ? '&lang=en' : ''}`;
      const expires = new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', {
        day: '2-digit',
        month: '2-digit',
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
        timeZone: 'Asia/Ho_Chi_Minh',
      }).format(link.expiresAt);
      return c.html(
        page({
          lang,
          title: ct(lang, 'loginCardTitle'),
          styles: ['counter.css'],
          loggedIn: true,
          body: html`<section class="card login-card">
  <h1>${ct(lang, 'loginCardTitle')}</h1>
  <p class="big" id="card-payee">${payeeLabel(payee)}</p>
  <div id="login-qr" role="img" aria-label="${ct(lang, 'loginCardTitle')}">${raw(await renderQrSvg(url))}</div>
  <p>${ct(lang, 'loginCardExpires')}: <strong>${expires}</strong></p>
  <p class="help">${ct(lang, 'loginCardHelp', { days: COUNTER_SESSION_DAYS })}</p>
  <p class="url" id="login-url">${url}</p>
</section>`,
        }),
      );
    });
  });
  return app;
}
