import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../../src/audit/tables.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { vendorWithKey } from '../../support/counter-factories.js';
import { createKey } from '../../support/factories.js';

let app: TestApp;
let offsetMs = 0;
beforeAll(async () => {
  app = await startTestApp({ clock: { now: () => new Date(Date.now() + offsetMs) } });
});
afterAll(() => app?.close());

/** A browser-like request without following redirects. */
async function send(path: string, init: RequestInit = {}) {
  return fetch(app.url + path, { redirect: 'manual', ...init });
}
const form = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields).toString(),
});
const tokenOf = (url: string) => new URL(url).searchParams.get('t')!;
const cookieOf = (res: Response) => /cc_key=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];

describe('POST /v1/payees/{id}/login-links', () => {
  it('commune staff make a one-time link; it opens the stall’s screen once, with a cookie, never a typed key', async () => {
    const { vendor, commune } = await vendorWithKey(app, { name: 'Sạp cá Bà Tư', stallNo: 'C07' });
    const staff = await createKey(app, { role: 'staff', unitCode: commune.commune });
    const made = await app.api('POST', `/v1/payees/${vendor.id}/login-links`, { hours: 2 }, staff);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.url).toMatch(new RegExp(`^${app.url}/counter/enter\\?t=cl_[A-Za-z0-9_-]{32}$`));
    expect(Date.parse(made.body.expiresAt) - Date.now()).toBeGreaterThan(2 * 3600_000 - 60_000);
    const token = tokenOf(made.body.url);

    // Opening the link (or a chat app previewing it) shows whose screen it is and spends nothing.
    for (let i = 0; i < 2; i++) {
      const look = await send(`/counter/enter?t=${token}`);
      expect(look.status).toBe(200);
      expect(look.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await look.text()).toContain('Sạp cá Bà Tư (C07)');
    }
    // The tap: a key in an HttpOnly, SameSite=Strict cookie, and off to the stall screen.
    const tap = await send('/counter/enter', form({ t: token, lang: 'vi' }));
    expect(tap.status).toBe(303);
    expect(tap.headers.get('location')).toBe('/vendor');
    const setCookie = tap.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Max-Age=2592000/);
    const key = cookieOf(tap)!;
    const screen = await send('/vendor', { headers: { cookie: `cc_key=${key}` } });
    expect(screen.status).toBe(200);
    expect(await screen.text()).toContain('Sạp cá Bà Tư');
    // It is a payee key: its own payee only.
    const own = await app.api('GET', `/v1/payees/${vendor.id}`, undefined, decodeURIComponent(key));
    expect(own.status).toBe(200);
    const other = await vendorWithKey(app);
    expect(
      (await app.api('GET', `/v1/payees/${other.vendor.id}`, undefined, decodeURIComponent(key))).status,
    ).toBe(404);

    // Spent: a second tap, or a second phone, gets nothing.
    const again = await send('/counter/enter', form({ t: token }));
    expect(again.status).toBe(410);
    expect(cookieOf(again)).toBeUndefined();
    expect((await send(`/counter/enter?t=${token}`)).status).toBe(410);

    const audit = await app.deps.db
      .select({ action: auditLog.action, actor: auditLog.actor })
      .from(auditLog)
      .where(and(eq(auditLog.subjectType, 'payee'), eq(auditLog.subjectId, vendor.id)));
    expect(audit.map((a) => a.action).sort()).toEqual([
      'counter_login_link.create',
      'counter_login_link.use',
    ]);
  });

  it('a school’s link opens the bursar page', async () => {
    const { commune } = await vendorWithKey(app);
    const school = await app.api('POST', '/v1/payees', {
      kind: 'school',
      name: 'Trường Tiểu học Hòa Bình',
      unitCode: commune.commune,
      bankBin: '970436',
      accountNumber: `7${Date.now() % 1e9}`,
      accountName: 'TRUONG TH HOA BINH',
    });
    const made = await app.api('POST', `/v1/payees/${school.body.id}/login-links`);
    const tap = await send('/counter/enter', form({ t: tokenOf(made.body.url), lang: 'en' }));
    expect(tap.status).toBe(303);
    expect(tap.headers.get('location')).toBe('/bursar?lang=en');
  });

  it('expires', async () => {
    const { vendor } = await vendorWithKey(app);
    const made = await app.api('POST', `/v1/payees/${vendor.id}/login-links`, { hours: 1 });
    offsetMs = 3_601_000;
    try {
      expect((await send(`/counter/enter?t=${tokenOf(made.body.url)}`)).status).toBe(410);
      const tap = await send('/counter/enter', form({ t: tokenOf(made.body.url) }));
      expect(tap.status).toBe(410);
      expect(await tap.text()).toContain('đã hết hạn');
    } finally {
      offsetMs = 0;
    }
  });

  it('refuses a payee key (403), staff of another commune (404), bad input (400), and a form from another site', async () => {
    const a = await vendorWithKey(app);
    const b = await vendorWithKey(app);
    const path = `/v1/payees/${a.vendor.id}/login-links`;
    const self = await app.api('POST', path, {}, a.key);
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe('forbidden');
    const otherStaff = await createKey(app, { role: 'staff', unitCode: b.commune.commune });
    expect((await app.api('POST', path, {}, otherStaff)).status).toBe(404);
    expect((await app.api('POST', path, {}, b.key)).status).toBe(404);
    expect((await app.api('POST', path, { hours: 0 })).status).toBe(400);
    expect((await app.api('POST', path, { hours: 24 * 31 })).status).toBe(400);
    expect((await app.api('POST', path, { hours: 2, extra: true })).status).toBe(400);
    expect((await app.api('POST', path, {}, null)).status).toBe(401);

    const made = await app.api('POST', path, {});
    const forged = await send(
      '/counter/enter',
      form({ t: tokenOf(made.body.url) }, { origin: 'https://evil.example', host: new URL(app.url).host }),
    );
    expect(forged.status).toBe(403);
    expect((await send('/counter/enter', form({ t: 'cl_nonsense' }))).status).toBe(410);
    // Still usable after the forged attempt.
    expect((await send(`/counter/enter?t=${tokenOf(made.body.url)}`)).status).toBe(200);
  });

  it('the printable login card: staff get a QR of a fresh link; a payee key may not make one', async () => {
    const { vendor, commune, key } = await vendorWithKey(app, { name: 'Sạp rau Cô Ba', stallNo: 'B02' });
    const staff = await createKey(app, { role: 'staff', unitCode: commune.commune });
    const cookie = { cookie: `cc_key=${staff}` };
    const ask = await send(`/counter/login-card?payee=${vendor.id}`, { headers: cookie });
    expect(ask.status).toBe(200);
    expect(await ask.text()).toContain('Tạo mã QR đăng nhập');
    const card = await send(
      '/counter/login-card',
      form({ payee: vendor.id, hours: '168', lang: 'vi' }, { ...cookie, origin: app.url }),
    );
    expect(card.status).toBe(200);
    const page = await card.text();
    expect(page).toContain('Sạp rau Cô Ba (B02)');
    expect(page).toMatch(/<svg[^>]*viewBox/);
    const url = /id="login-url">([^<]+)</.exec(page)![1]!;
    expect((await send(new URL(url).pathname + new URL(url).search)).status).toBe(200);

    const asPayee = await send(`/counter/login-card?payee=${vendor.id}`, {
      headers: { cookie: `cc_key=${key}` },
    });
    expect(asPayee.status).toBe(403);
    // Not logged in: to the login form, and back here afterwards.
    const anonymous = await send(`/counter/login-card?payee=${vendor.id}`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toMatch(/^\/login\?next=%2Fcounter%2Flogin-card/);
  });
});
