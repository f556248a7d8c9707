import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { secrets } from '../support/callback-factories.js';
import { payByQr, payCash, vendorWithKey } from '../support/counter-factories.js';
import { createKey } from '../support/factories.js';
import { scanQrSvg } from '../support/payment-request-factories.js';
import { type Browser, launchChromium, watchProblems } from './chromium.js';

/** What the tests read of an element in the page (the project compiles without the DOM library). */
type El = { dataset: Record<string, string | undefined>; hidden: boolean };
const artifacts = 'test-artifacts';
let app: TestApp;
let browser: Browser;
let v: Awaited<ReturnType<typeof vendorWithKey>>;

/**
 * Counts what the page asks the browser to say, and says nothing: test instrumentation of the
 * browser's speech engine (headless Chromium has no voices), not of our code.
 */
const speechProbe = () => {
  const spoken: { text: string; lang: string }[] = [];
  (globalThis as unknown as { __spoken: typeof spoken }).__spoken = spoken;
  const synth = {
    speak(u: { text: string; lang: string; dispatchEvent(e: Event): boolean }) {
      spoken.push({ text: u.text, lang: u.lang });
      setTimeout(() => u.dispatchEvent(new Event('end')), 0);
    },
    cancel() {},
    pause() {},
    resume() {},
    getVoices: () => [],
    addEventListener() {},
    removeEventListener() {},
    speaking: false,
    pending: false,
    paused: false,
  };
  Object.defineProperty(globalThis, 'speechSynthesis', { configurable: true, get: () => synth });
};
const noSpeech = () => {
  Object.defineProperty(globalThis, 'speechSynthesis', { configurable: true, get: () => undefined });
};

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  app = await startTestApp({ env: secrets });
  v = await vendorWithKey(app, { name: 'Nguyễn Thị Lan', stallNo: 'A12' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const text = async (page: Page, selector: string) =>
  ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
const spoken = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { __spoken: { text: string; lang: string }[] }).__spoken);
const seqs = (page: Page) =>
  page.$$eval('#feed li', (items) => items.map((li) => Number((li as unknown as El).dataset.seq)));

/** Commune staff make a login link; the vendor opens it and taps once (no key is ever typed). */
async function openByLoginLink(page: Page, payeeId: string) {
  const link = await app.api('POST', `/v1/payees/${payeeId}/login-links`, { hours: 24 });
  expect(link.status, JSON.stringify(link.body)).toBe(201);
  const res = await page.goto(link.body.url);
  expect(res?.status()).toBe(200);
  await Promise.all([page.waitForURL(/\/vendor/), page.click('#enter')]);
  return link.body.url as string;
}

describe('the stall screen in Chromium', () => {
  it('shows a QR payment within a second of the bank’s callback, and says it once in Vietnamese', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 360, height: 760 });
    await page.addInitScript(speechProbe);
    const problems = watchProblems(page);
    const url = await openByLoginLink(page, v.vendor.id);
    expect(await page.getAttribute('html', 'lang')).toBe('vi');
    expect(await text(page, 'h1')).toBe('Nguyễn Thị Lan Sạp A12');
    expect(await text(page, '#qr-value')).toBe('0 ₫');
    expect(await page.evaluate('document.cookie')).not.toContain('cc_key');
    await page.waitForSelector('#live[data-state="on"]');
    await page.screenshot({ path: `${artifacts}/vendor-vi-empty.png`, fullPage: true });

    const started = Date.now();
    await payByQr(app, v.vendor, 35_000);
    await page.waitForSelector('#feed li[data-seq="1"]', { timeout: 1_000 });
    const latencyMs = Date.now() - started;
    console.log(`callback → on screen: ${latencyMs} ms`);
    expect(await text(page, '#feed li[data-seq="1"] .amount')).toBe('35.000 ₫');
    expect(await text(page, '#feed li[data-seq="1"] .what')).toBe('QR');
    expect(await text(page, '#qr-value')).toBe('35.000 ₫');
    expect(await text(page, '#qr-count')).toBe('1');
    expect(await text(page, '#all-value')).toBe('35.000 ₫');
    await page.waitForFunction(() => (globalThis as unknown as { __spoken: unknown[] }).__spoken.length > 0);
    await page.waitForTimeout(1_000);
    expect(await spoken(page)).toEqual([{ text: 'Đã nhận 35.000 đồng', lang: 'vi-VN' }]);
    expect(await page.isVisible('#flash')).toBe(true);
    await page.screenshot({ path: `${artifacts}/vendor-vi-paid.png`, fullPage: true });

    // A cash sale with the big button: it reaches the cash total through the same stream, unspoken.
    await page.click('#open-cash');
    await page.fill('#cash-amount', '20.000');
    await page.click('#cash-save');
    await page.waitForSelector('#feed li[data-seq="2"][data-channel="cash"]');
    expect(await text(page, '#cash-msg')).toBe('Đã ghi 20.000 ₫ tiền mặt.');
    expect(await text(page, '#cash-value')).toBe('20.000 ₫');
    expect(await text(page, '#cash-count')).toBe('1');
    expect(await text(page, '#all-value')).toBe('55.000 ₫');
    expect(await spoken(page)).toHaveLength(1);
    // The form stays open for the next sale. A typo is refused before anything is sent.
    await page.fill('#cash-amount', '-5');
    await page.click('#cash-save');
    expect(await text(page, '#cash-msg')).toBe('Nhập số tiền là số nguyên dương, ví dụ 35000 hoặc 35.000.');
    await page.click('#cash-cancel');

    // The stall's QR, full screen, is the stall's static VietQR.
    await page.click('#show-qr');
    await page.waitForSelector('#qr-screen:not([hidden]) img');
    await page.waitForFunction("document.querySelector('#qr-screen img').naturalWidth > 0");
    const src = await page.getAttribute('#qr-screen img', 'src');
    const svg = await (await page.request.get(`${app.url}${src}`)).text();
    expect(scanQrSvg(svg)).toBe(v.vendor.staticQr.payload);
    await page.screenshot({ path: `${artifacts}/vendor-qr-fullscreen.png` });
    await page.click('#qr-close');
    expect(await page.isHidden('#qr-screen')).toBe(true);

    expect(problems).toEqual([]);

    // The figures the page added up live are the ones the server renders afresh.
    await page.reload();
    expect(await text(page, '#qr-value')).toBe('35.000 ₫');
    expect(await text(page, '#cash-value')).toBe('20.000 ₫');
    expect(await seqs(page)).toEqual([2, 1]);
    // A login link works once.
    const again = await page.goto(url);
    expect(again?.status()).toBe(410);
    expect(await text(page, '[role=alert]')).toBe(
      'Mã đăng nhập không đúng, đã dùng rồi hoặc đã hết hạn. Xin mã mới từ cán bộ xã.',
    );
    await page.close();
  });

  it('after a dropped connection, shows each payment made meanwhile exactly once', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 360, height: 760 });
    await page.addInitScript(speechProbe);
    // The cookie from the login link is still there: straight to the screen.
    await page.goto(`${app.url}/vendor`);
    await page.waitForSelector('#live[data-state="on"]');
    // Not tapped yet on this page: the browser may refuse speech, so the page asks for a tap.
    expect(await page.isVisible('#speech-on')).toBe(true);
    expect(await text(page, '#speech-msg')).toBe('Chạm nút để điện thoại đọc to mỗi khoản tiền nhận được.');
    const before = await seqs(page);
    expect(before).toEqual([2, 1]);
    const head = Math.max(...before);

    await payByQr(app, v.vendor, 12_000);
    await page.waitForSelector(`#feed li[data-seq="${head + 1}"]`);

    await browser.context.setOffline(true);
    await page.waitForSelector('#live[data-state="off"]');
    await page.screenshot({ path: `${artifacts}/vendor-offline.png`, fullPage: true });
    await payByQr(app, v.vendor, 13_000);
    await payCash(app, v.key, 14_000);
    await payByQr(app, v.vendor, 15_000);
    await page.waitForTimeout(1_500);
    expect(await seqs(page)).not.toContain(head + 2);

    await browser.context.setOffline(false);
    await page.waitForSelector(`#feed li[data-seq="${head + 4}"]`);
    await page.waitForTimeout(1_500);
    const after = await seqs(page);
    expect(after.slice(0, 5)).toEqual([head + 4, head + 3, head + 2, head + 1, ...before.slice(0, 1)]);
    expect(new Set(after).size).toBe(after.length);
    expect(await text(page, '#qr-value')).toBe('75.000 ₫');
    expect(await text(page, '#cash-value')).toBe('34.000 ₫');
    expect((await spoken(page)).map((s) => s.text)).toEqual([
      'Đã nhận 12.000 đồng',
      'Đã nhận 13.000 đồng',
      'Đã nhận 15.000 đồng',
    ]);
    await page.screenshot({ path: `${artifacts}/vendor-resumed.png`, fullPage: true });
    await page.reload();
    expect(await text(page, '#qr-value')).toBe('75.000 ₫');
    expect(await text(page, '#cash-value')).toBe('34.000 ₫');
    await page.close();
  });

  it('in English, and with no speech engine: a visible banner, and the amount shown large', async () => {
    const page = await browser.context.newPage();
    await page.addInitScript(noSpeech);
    const problems = watchProblems(page);
    await page.goto(`${app.url}/vendor?lang=en`);
    await page.waitForSelector('#live[data-state="on"]');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await text(page, '#h-qr')).toBe('Received by QR today');
    expect(await text(page, '#speech-msg')).toBe(
      'This phone cannot speak alerts. Payments will show in large type on screen.',
    );
    await payByQr(app, v.vendor, 250_000);
    await page.waitForSelector('#flash:not([hidden])');
    expect(await text(page, '#flash')).toBe('+₫250,000');
    await page.screenshot({ path: `${artifacts}/vendor-en-no-speech.png`, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('commune staff print a login QR; the vendor’s phone scans it and opens the stall screen', async () => {
    const staffKey = await createKey(app, { role: 'staff', unitCode: v.commune.commune });
    const page = await browser.context.newPage();
    await browser.context.clearCookies();
    const next = `/counter/login-card?payee=${v.vendor.id}`;
    await page.goto(`${app.url}/login?${new URLSearchParams({ key: staffKey, next })}`);
    await Promise.all([page.waitForURL(/\/counter\/login-card$/), page.click('#create-card')]);
    expect(await text(page, '#card-payee')).toBe('Nguyễn Thị Lan (A12)');
    await page.screenshot({ path: `${artifacts}/vendor-login-card.png`, fullPage: true });
    const scanned = scanQrSvg(await page.innerHTML('#login-qr'));
    expect(scanned).toMatch(/\/counter\/enter\?t=cl_/);
    expect(scanned).toBe(await text(page, '#login-url'));

    // The phone: no staff login, just the camera.
    await browser.context.clearCookies();
    await page.goto(scanned!);
    expect(await text(page, '#enter-payee')).toBe('Nguyễn Thị Lan (A12)');
    await page.screenshot({ path: `${artifacts}/vendor-login-enter.png` });
    await Promise.all([page.waitForURL(/\/vendor$/), page.click('#enter')]);
    expect(await text(page, 'h1')).toBe('Nguyễn Thị Lan Sạp A12');
    await page.close();
  });

  it('sends a phone without a login to the login page, and refuses another stall’s screen', async () => {
    const other = await vendorWithKey(app);
    const page = await browser.context.newPage();
    const res = await page.goto(`${app.url}/vendor?payee=${other.vendor.id}`);
    // A payee key only ever sees its own stall, whatever the address says.
    expect(res?.status()).toBe(200);
    expect(await text(page, 'h1')).toBe('Nguyễn Thị Lan Sạp A12');
    const stream = await page.request.get(`${app.url}/v1/payees/${other.vendor.id}/events`);
    expect(stream.status()).toBe(404);
    await browser.context.clearCookies();
    await page.goto(`${app.url}/vendor`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.close();
  });
});
