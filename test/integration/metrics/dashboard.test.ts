import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../support/app.js';
import { genericCallback, postCallback, secrets, settle } from '../../support/callback-factories.js';
import { createCommune, createKey, createPayee } from '../../support/factories.js';
import { fact, recordFacts } from '../../support/metrics-factories.js';

let app: TestApp;
let a: Awaited<ReturnType<typeof createCommune>>;
let b: Awaited<ReturnType<typeof createCommune>>;
let staffKey: string;
let payeeKey: string;

beforeAll(async () => {
  app = await startTestApp({ env: secrets });
  a = await createCommune(app);
  b = await createCommune(app);
  const stall = await createPayee(app, a.hamlets[0]!);
  await recordFacts(app, [
    fact({ unitCode: a.hamlets[0]!, payeeId: stall.id, value: 1_500_000 }),
    fact({ unitCode: a.hamlets[0]!, payeeId: stall.id, value: 500_000, channel: 'cash' }),
  ]);
  staffKey = await createKey(app, { role: 'staff', unitCode: a.commune });
  payeeKey = await createKey(app, { role: 'payee', payeeId: stall.id });
});
afterAll(() => app?.close());

/** A browser-like request: no redirects followed, the key only in the cookie. */
const browse = (path: string, init: RequestInit & { key?: string } = {}) =>
  fetch(app.url + path, {
    redirect: 'manual',
    ...init,
    headers: { ...(init.key ? { cookie: `cc_key=${init.key}` } : {}), ...(init.headers ?? {}) },
  });

describe('/login and /logout', () => {
  it('a good key sets an HttpOnly, SameSite=Strict cookie and goes on to the page asked for', async () => {
    const next = `/dashboard?unit=${a.commune}`;
    const res = await browse(`/login?${new URLSearchParams({ key: staffKey, next })}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(next);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^cc_key=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\//);

    const form = await browse('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: app.url },
      body: new URLSearchParams({ key: staffKey, next: '//evil.example/x' }).toString(),
    });
    expect(form.status).toBe(303);
    expect(form.headers.get('location')).toBe('/dashboard');
  });

  it('a wrong key gets the form again with 401 and no cookie; a form from another site is refused', async () => {
    const res = await browse('/login?key=cc_wrong');
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('Khóa không đúng');
    const cross = await browse('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({ key: staffKey }).toString(),
    });
    expect(cross.status).toBe(403);
  });

  it('/logout clears the cookie', async () => {
    const res = await browse('/logout', { method: 'POST', key: staffKey });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/cc_key=;.*Max-Age=0/i);
  });
});

describe('GET /dashboard', () => {
  it('renders the commune in Vietnamese with vi-VN money, behind a strict CSP', async () => {
    const res = await browse(`/dashboard?from=2026-11-01&to=2026-11-30`, { key: staffKey });
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const body = (await res.text()).replace(/\u00a0/g, ' ');
    expect(body).toContain('<html lang="vi">');
    expect(body).toContain('1.500.000 ₫ / 2.000.000 ₫');
    expect(body).toContain('01/11/2026 – 30/11/2026');
    // No inline script: every <script> is a file or a JSON data block.
    for (const tag of body.match(/<script[^>]*>/g) ?? [])
      expect(tag).toMatch(/src="\/assets\/|application\/json/);
  });

  it('shows the size of the review queue: a credit to the school with no reference waits there', async () => {
    const school = await createPayee(app, a.commune, { kind: 'school', stallNo: undefined });
    const credit = genericCallback({
      accountNumber: school.accountNumber,
      amount: 90_000,
      description: 'hoc phi',
    });
    expect((await postCallback(app, 'generic', credit)).status).toBe(200);
    await settle(app);
    const body = await (await browse('/dashboard', { key: staffKey })).text();
    expect(body).toMatch(/data-metric="review-queue">\s*<h2[^>]*>[^<]*<\/h2>\s*<p class="big">1<\/p>/);
  });

  it('English with ?lang=en; dates typed dd/mm/yyyy are understood', async () => {
    const res = await browse(`/dashboard?from=01/11/2026&to=30/11/2026&lang=en`, { key: staffKey });
    const body = (await res.text()).replace(/\u00a0/g, ' ');
    expect(body).toContain('<html lang="en">');
    expect(body).toContain('Cashless ratio');
    expect(body).toContain('₫1,500,000 / ₫2,000,000');
  });

  it('without a key redirects to /login; another commune is 404; a payee key is 403', async () => {
    const anon = await browse('/dashboard?lang=en');
    expect(anon.status).toBe(303);
    expect(anon.headers.get('location')).toBe(
      `/login?${new URLSearchParams({ next: '/dashboard?lang=en', lang: 'en' })}`,
    );
    const other = await browse(`/dashboard?unit=${b.commune}`, { key: staffKey });
    expect(other.status).toBe(404);
    expect(await other.text()).not.toContain(b.commune);
    expect((await browse(`/dashboard?unit=${a.commune}`, { key: payeeKey })).status).toBe(403);
  });

  it('serves its scripts and styles from this server', async () => {
    for (const file of ['uplot.min.js', 'uplot.min.css', 'dashboard.js', 'app.css']) {
      const res = await browse(`/assets/${file}`);
      expect(res.status, file).toBe(200);
    }
    expect((await browse('/assets/../package.json')).status).toBe(404);
  });
});
