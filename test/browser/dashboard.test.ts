import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { createKey } from '../support/factories.js';
import { createMetricsCommune, fact, recordFacts } from '../support/metrics-factories.js';
import { type Browser, launchChromium, watchProblems } from './chromium.js';

const artifacts = 'test-artifacts';
let app: TestApp;
let browser: Browser;
let c: Awaited<ReturnType<typeof createMetricsCommune>>;
let staffKey: string;
const period = 'from=2026-11-01&to=2026-11-30';

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  app = await startTestApp();
  c = await createMetricsCommune(app);
  const [h1, h2] = c.hamlets as [string, string];
  const hh = (h: number, n: number) => c.households[h]![n]!;
  const school = { payeeId: c.school.id, payeeKind: 'school', category: 'school_fee' };
  await recordFacts(app, [
    fact({ unitCode: h1, payeeId: c.stalls[0]!.id, value: 100_000, payerKey: hh(0, 0) }),
    fact({ unitCode: h1, payeeId: c.stalls[0]!.id, value: 50_000, payerKey: hh(0, 0) }),
    fact({ unitCode: h1, payeeId: c.stalls[1]!.id, channel: 'cash', value: 30_000, payerKey: hh(0, 1) }),
    fact({ unitCode: h2, ...school, channel: 'transfer', value: 1_500_000, payerKey: hh(1, 0) }),
    fact({ unitCode: h2, ...school, channel: 'cash', value: 1_500_000, payerKey: hh(1, 1) }),
    fact({ unitCode: h2, ...school, channel: 'transfer', value: 700_000, payerKey: 'HS-0007' }),
    // October, for the trend.
    fact({
      unitCode: h1,
      payeeId: c.stalls[1]!.id,
      channel: 'cash',
      value: 40_000,
      occurredAt: new Date('2026-10-15T03:00:00Z'),
    }),
  ]);
  staffKey = await createKey(app, { role: 'staff', unitCode: c.commune });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const text = async (page: Page, selector: string) =>
  ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

async function logIn(page: Page, next: string) {
  const url = `${app.url}/login?${new URLSearchParams({ key: staffKey, next })}`;
  const res = await page.goto(url);
  expect(res?.status()).toBe(200);
  expect(new URL(page.url()).pathname).toBe('/dashboard');
}

describe('the dashboard in Chromium', () => {
  it('loads in Vietnamese with the right figures, charts, and no console errors', async () => {
    const page = await browser.context.newPage();
    const problems = watchProblems(page);
    await logIn(page, `/dashboard?${period}`);
    await page.waitForSelector('#chart-trend canvas');
    await page.waitForSelector('#chart-units canvas');

    expect(await page.getAttribute('html', 'lang')).toBe('vi');
    expect(await text(page, 'h1')).toBe(`Xã ${c.commune.slice(1)}`);
    expect(await text(page, '#period')).toBe('01/11/2026 – 30/11/2026');
    // 4 of 6 payments, 2.350.000 of 3.880.000 ₫, 3 of 5 payers, 2 of 8 households.
    expect(await text(page, '[data-metric=count] output')).toBe('66,7%');
    expect(await text(page, '[data-metric=count] .small')).toBe('4 / 6 giao dịch');
    expect(await text(page, '[data-metric=value] output')).toBe('60,6%');
    expect(await text(page, '[data-metric=value] .small')).toBe('2.350.000 ₫ / 3.880.000 ₫');
    expect(await text(page, '[data-metric=payers] output')).toBe('60%');
    expect(await text(page, '[data-metric=adoption] output')).toBe('25%');
    expect(await text(page, '[data-metric=adoption] .small')).toBe('2 trên tổng số 8 hộ gia đình');
    expect(await text(page, '[data-metric=count] .status')).toBe('Đạt mục tiêu · Mục tiêu 50%');
    // A row per hamlet, a row per category with payments.
    expect(await text(page, `#table-units tr[data-key="${c.hamlets[0]}"]`)).toBe(
      'Thôn 1 2 1 150.000 ₫ 66,7% 83,3% 50%',
    );
    expect(await page.locator('#table-categories tbody tr').count()).toBe(2);
    expect(await text(page, '#table-categories tr[data-key=school_fee] th')).toBe('Học phí');
    // The market.
    expect(await text(page, '[data-metric=stalls] .big')).toBe('2');
    expect(await text(page, '[data-metric=stalls-paid-by-qr] .big')).toBe('1');
    expect(await page.locator('[data-metric=review-queue] .big').count()).toBe(1);
    // The CSV export works with the same cookie.
    const csvHref = await page.getAttribute('#csv-unit', 'href');
    const csv = await page.request.get(`${app.url}${csvHref}`);
    expect(csv.status()).toBe(200);
    expect(await csv.text()).toContain(',total,total,,4,2350000,3,2,1530000,2,');
    // The key never reaches scripts.
    expect(await page.evaluate('document.cookie')).not.toContain('cc_key');

    await page.screenshot({ path: `${artifacts}/dashboard-vi.png`, fullPage: true });
    await page.setViewportSize({ width: 360, height: 760 });
    await page.reload();
    await page.waitForSelector('#chart-trend canvas');
    await page.screenshot({ path: `${artifacts}/dashboard-vi-phone.png`, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('switches to English with ?lang=en', async () => {
    const page = await browser.context.newPage();
    const problems = watchProblems(page);
    await logIn(page, `/dashboard?${period}&lang=en`);
    await page.waitForSelector('#chart-categories canvas');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await text(page, '#h-headline')).toBe('Cashless ratio');
    expect(await text(page, '[data-metric=count] .small')).toBe('4 / 6 payments');
    expect(await text(page, '#table-categories tr[data-key=school_fee] th')).toBe('School fees');
    await page.screenshot({ path: `${artifacts}/dashboard-en.png`, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('sends a visitor without a key to the login form, and back after logging out', async () => {
    const page = await browser.context.newPage();
    await logIn(page, `/dashboard?${period}`);
    await page.click('button:has-text("Đăng xuất")');
    await page.waitForURL(/\/login/);
    await page.goto(`${app.url}/dashboard?${period}`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('#key', staffKey);
    await Promise.all([
      page.waitForURL(/\/dashboard/),
      page.click('button[type=submit]:has-text("Đăng nhập")'),
    ]);
    expect(await text(page, '[data-metric=count] output')).toBe('66,7%');
    await page.screenshot({ path: `${artifacts}/login-then-dashboard.png` });
    await page.close();
  });
});
