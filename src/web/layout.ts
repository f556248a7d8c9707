import type { MiddlewareHandler } from 'hono';
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { type Lang, t } from './i18n.js';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/**
 * The pages' Content-Security-Policy: everything from this server only, no inline script or style,
 * no framing. Page scripts are files under /assets; data for charts travels in a
 * <script type="application/json"> block, which the browser never runs.
 */
export const pageCsp = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Security headers of every HTML page (on top of the app-wide secureHeaders). */
export const pageHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('Content-Security-Policy', pageCsp);
  c.header('Cache-Control', 'no-store');
  c.header('Referrer-Policy', 'same-origin');
};

/** JSON for a <script type="application/json"> block: "<" escaped so no text can close the element. */
export const jsonForPage = (value: unknown) => raw(JSON.stringify(value).replace(/</g, '\\u003c'));

export type PageOptions = {
  lang: Lang;
  title: string;
  body: Html;
  /** Extra stylesheets and scripts under /assets. */
  styles?: string[];
  scripts?: string[];
  /** The same page in the other language. */
  otherLangHref?: string;
  loggedIn?: boolean;
};

/** The shared page frame: small, readable on a cheap phone, no inline code. */
export function page(o: PageOptions) {
  return html`<!doctype html>
<html lang="${o.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · ${t(o.lang, 'appName')}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
${(o.styles ?? []).map((s) => html`<link rel="stylesheet" href="/assets/${s}">`)}
</head>
<body>
<header class="top">
  <span class="brand">${t(o.lang, 'appName')}</span>
  <nav>
    ${o.otherLangHref ? html`<a href="${o.otherLangHref}" hreflang="${o.lang === 'vi' ? 'en' : 'vi'}">${t(o.lang, 'language')}</a>` : ''}
    ${o.loggedIn ? html`<form method="post" action="/logout" class="inline"><button type="submit" class="link">${t(o.lang, 'logout')}</button></form>` : ''}
  </nav>
</header>
<main>
${o.body}
</main>
${(o.scripts ?? []).map((s) => html`<script src="/assets/${s}" defer></script>`)}
</body>
</html>`;
}
