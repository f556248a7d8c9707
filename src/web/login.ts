import { Hono, type MiddlewareHandler } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import { looksLikeApiKey } from '../auth/keys.js';
import { KEY_COOKIE } from '../auth/middleware.js';
import { findPrincipalByKey } from '../auth/store.js';
import type { AppEnv } from '../http/context.js';
import { AppError } from '../http/errors.js';
import { clientIp, rateLimited } from '../http/rate-limit.js';
import { type Lang, langOf, t } from './i18n.js';
import { page, pageHeaders } from './layout.js';

/** How long a browser stays logged in. */
const SESSION_SECONDS = 12 * 3600;

/** Where to go after logging in: only a path on this site (never "//host" or a URL). */
export function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/dashboard';
}

/**
 * Pages use the API authenticator (it accepts the cc_key cookie). A browser without a valid key is sent
 * to /login and brought back afterwards, instead of getting the API's JSON 401.
 */
export function pageAuth(authenticate: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    let entered = false;
    try {
      await authenticate(c, async () => {
        entered = true;
        await next();
      });
    } catch (err) {
      if (entered || !(err instanceof AppError) || err.status !== 401) throw err;
      const url = new URL(c.req.url);
      const params = new URLSearchParams({ next: url.pathname + url.search });
      const lang = url.searchParams.get('lang');
      if (lang === 'en') params.set('lang', 'en');
      return c.redirect(`/login?${params}`, 303);
    }
  };
}

function loginPage(lang: Lang, next: string, failed: boolean) {
  return page({
    lang,
    title: t(lang, 'login'),
    otherLangHref: `/login?${new URLSearchParams({ next, ...(lang === 'vi' ? { lang: 'en' } : {}) })}`,
    body: html`<section class="card narrow">
  <h1>${t(lang, 'loginTitle')}</h1>
  ${failed ? html`<p class="error" role="alert">${t(lang, 'loginFailed')}</p>` : ''}
  <form method="post" action="/login">
    <label for="key">${t(lang, 'apiKey')}</label>
    <input id="key" name="key" type="password" autocomplete="current-password" required>
    <input type="hidden" name="next" value="${next}">
    <input type="hidden" name="lang" value="${lang}">
    <p class="help">${t(lang, 'loginHelp')}</p>
    <button type="submit">${t(lang, 'login')}</button>
  </form>
</section>`,
  });
}

/**
 * /login (GET: the form, or `?key=` straight from a link; POST: the form) sets the key in an HttpOnly,
 * SameSite=Strict cookie; /logout removes it. The key is checked before it is stored.
 */
export function loginRoutes() {
  const app = new Hono<AppEnv>();
  app.use('/login', pageHeaders);
  app.use('/logout', pageHeaders);

  const logIn = async (
    c: Parameters<MiddlewareHandler<AppEnv>>[0],
    key: string | undefined,
    next: string,
    lang: Lang,
  ) => {
    // The login form guesses keys like a Bearer header does: the same per-IP failure limit applies.
    const { config, rateLimits } = c.var.deps;
    const ip = clientIp(c, config.TRUST_PROXY);
    const blocked = await rateLimits.failureBlocked(ip);
    if (blocked.limited) throw rateLimited(c, blocked.retryAfterS);
    const principal = key && looksLikeApiKey(key) ? await findPrincipalByKey(c.var.deps.db, key) : undefined;
    if (!key || !principal) {
      const over = await rateLimits.failed(ip);
      if (over.limited) throw rateLimited(c, over.retryAfterS);
      return c.html(loginPage(lang, next, true), 401);
    }
    const secure = new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
    setCookie(c, KEY_COOKIE, key, {
      httpOnly: true,
      sameSite: 'Strict',
      secure,
      path: '/',
      maxAge: SESSION_SECONDS,
    });
    return c.redirect(next, 303);
  };

  app.get('/login', async (c) => {
    const lang = langOf(c.req.query('lang'));
    const next = safeNext(c.req.query('next'));
    const key = c.req.query('key');
    // A link with ?key= logs in and redirects at once, so the key does not stay in the address bar.
    if (key !== undefined) return logIn(c, key, next, lang);
    return c.html(loginPage(lang, next, false));
  });

  app.post('/login', async (c) => {
    // Login CSRF: a form posted from another site is refused (SameSite covers the cookie, not this).
    const origin = c.req.header('origin');
    if (origin && origin !== 'null' && new URL(origin).host !== c.req.header('host')) {
      return c.text('Forbidden', 403);
    }
    const form = await c.req.parseBody();
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return logIn(c, str(form.key)?.trim(), safeNext(str(form.next)), langOf(str(form.lang)));
  });

  const logOut = (c: Parameters<MiddlewareHandler<AppEnv>>[0]) => {
    deleteCookie(c, KEY_COOKIE, { path: '/' });
    return c.redirect('/login', 303);
  };
  app.post('/logout', logOut);
  app.get('/logout', logOut);
  return app;
}
