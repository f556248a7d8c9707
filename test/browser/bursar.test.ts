import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { secrets } from '../support/callback-factories.js';
import { payByQr } from '../support/counter-factories.js';
import { createCommune, createKey } from '../support/factories.js';
import { createSchool, makeStudents, postCsv, studentFeesCsv } from '../support/payment-request-factories.js';
import { type Browser, launchChromium, watchProblems } from './chromium.js';

/** What the tests read of an element in the page (the project compiles without the DOM library). */
type El = { dataset: Record<string, string | undefined>; hidden: boolean };
const artifacts = 'test-artifacts';
let app: TestApp;
let browser: Browser;
let school: Awaited<ReturnType<typeof createSchool>>;
let bursarKey: string;
const students = makeStudents(12, ['6A', '6B', '7A']);

async function feeOf(payerRef: string) {
  const res = await app.api('GET', `/v1/payment-requests?payeeId=${school.id}&payerRef=${payerRef}`);
  return res.body.items[0] as { id: string; reference: string; amount: number };
}

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  app = await startTestApp({ env: secrets });
  const { commune } = await createCommune(app);
  school = await createSchool(app, commune);
  bursarKey = await createKey(app, { role: 'payee', payeeId: school.id });
  const upload = await postCsv(app, 'category=school_fee', studentFeesCsv(students), bursarKey);
  expect(upload.status, JSON.stringify(upload.body).slice(0, 300)).toBe(201);
  // HS0001 paid in full in cash at the office; HS0002 paid part of the fee by QR.
  const cash = await app.api(
    'POST',
    '/v1/cash-payments',
    { paymentRequestId: (await feeOf('HS0001')).id },
    bursarKey,
  );
  expect(cash.status).toBe(201);
  await payByQr(app, school, 500_000, `${(await feeOf('HS0002')).reference} HS0002 nop hoc phi`);
  for (let i = 0; i < 100; i++) {
    const fee = await app.api('GET', `/v1/payment-requests?payeeId=${school.id}&payerRef=HS0002`);
    if (fee.body.items[0].paidAmount === 500_000) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const text = async (page: Page, selector: string) =>
  // biome-ignore lint/performance/useDomNodeTextContent: the text as shown, with table cells apart
  (await page.locator(selector).first().innerText()).replace(/\s+/g, ' ').trim();
const visibleCodes = (page: Page) =>
  page.$$eval('#students tr[data-key]', (rows) =>
    rows
      .filter((r) => !(r as unknown as El).hidden && !(r.parentElement as unknown as El).hidden)
      .map((r) => (r as unknown as El).dataset.key),
  );
const row = (code: string) => `#students tr[data-key="${code}"]`;

describe('the bursar’s class list in Chromium', () => {
  it('shows every class and pupil, who paid, and a new payment without a reload', async () => {
    const page = await browser.context.newPage();
    await page.addInitScript(() => {
      (globalThis as unknown as { __printed: number }).__printed = 0;
      (globalThis as unknown as { print: () => void }).print = () => {
        (globalThis as unknown as { __printed: number }).__printed++;
      };
    });
    const problems = watchProblems(page);
    const link = await app.api('POST', `/v1/payees/${school.id}/login-links`, {});
    await page.goto(link.body.url);
    await Promise.all([page.waitForURL(/\/bursar/), page.click('#enter')]);
    await page.waitForSelector('#live[data-state="on"]');

    expect(await text(page, 'h1')).toBe('Trường THCS Hòa Bình');
    expect(await text(page, '#sum-students')).toBe('12');
    expect(await text(page, '#sum-paid')).toBe('1');
    expect(await text(page, '#sum-partial')).toBe('1');
    expect(await text(page, '#sum-unpaid')).toBe('10');
    expect(
      await page.$$eval('#students tbody', (b) => b.map((t) => (t as unknown as El).dataset.group)),
    ).toEqual(['6A', '6B', '7A']);
    const first = students[0]!;
    expect(await text(page, row('HS0001'))).toBe(
      `HS0001 ${first.name} 1.000.000 ₫ 1.000.000 ₫ 0 ₫ Đã nộp đủ`,
    );
    expect(await text(page, `${row('HS0002')} .state`)).toBe('Nộp một phần');
    expect(await text(page, `${row('HS0002')} .owing`)).toBe('750.000 ₫');
    expect(await text(page, '#students tbody[data-group="6A"] .class-summary')).toBe(
      '1/4 đã nộp đủ · còn nợ 5.000.000 ₫',
    );
    await page.screenshot({ path: `${artifacts}/bursar-vi.png`, fullPage: true });

    // A payment arrives: the row, the class and the totals change in place.
    await page.evaluate(() => {
      (globalThis as unknown as { __same: boolean }).__same = true;
    });
    const third = await feeOf('HS0003');
    await payByQr(app, school, third.amount, `${third.reference} HS0003`);
    await page.waitForSelector(`${row('HS0003')}[data-status="paid"]`, { timeout: 5_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { __same?: boolean }).__same)).toBe(true);
    expect(await text(page, `${row('HS0003')} .state`)).toBe('Đã nộp đủ');
    expect(await text(page, '#sum-paid')).toBe('2');
    expect(await text(page, '#sum-unpaid')).toBe('9');
    expect(await text(page, '#students tbody[data-group="7A"] .class-summary')).toBe(
      '1/4 đã nộp đủ · còn nợ 4.000.000 ₫',
    );
    expect(await text(page, '#toast')).toBe(`Vừa nhận 1.500.000 ₫ · ${students[2]!.name} (7A)`);
    await page.screenshot({ path: `${artifacts}/bursar-live-payment.png`, fullPage: true });

    // Filter by class, search without diacritics, who still owes.
    await page.selectOption('#f-class', '6B');
    expect(await visibleCodes(page)).toEqual(
      students
        .filter((s) => s.className === '6B')
        .map((s) => s.code)
        .sort(byName(page)),
    );
    await page.selectOption('#f-class', '');
    const dang = students.find((s) => s.name.startsWith('Đặng'))!;
    await page.fill('#f-q', 'dang');
    expect(await visibleCodes(page)).toEqual([dang.code]);
    await page.fill('#f-q', '');
    await page.selectOption('#f-status', 'owing');
    const owing = await visibleCodes(page);
    expect(owing).toHaveLength(10);
    expect(owing).not.toContain('HS0001');
    expect(owing).not.toContain('HS0003');
    expect(new URL(page.url()).searchParams.get('status')).toBe('owing');

    // The CSV follows the filter.
    const csvHref = await page.getAttribute('#csv', 'href');
    const csv = await page.request.get(`${app.url}${csvHref}`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toMatch(/^text\/csv/);
    const lines = (await csv.text())
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('Lớp,Mã HS,Họ và tên,Phải nộp,Đã nộp,Còn nợ,Tình trạng');
    expect(lines).toHaveLength(11);
    expect(lines.find((l) => l.includes('HS0002'))).toBe(
      `6B,HS0002,${students[1]!.name},1250000,500000,750000,Nộp một phần`,
    );

    // Printing who still owes: the list only, without the page's controls.
    await page.selectOption('#f-status', 'all');
    await page.click('#print-owing');
    expect(await page.evaluate(() => (globalThis as unknown as { __printed: number }).__printed)).toBe(1);
    await page.emulateMedia({ media: 'print' });
    expect(await page.isVisible('header.top')).toBe(false);
    expect(await page.isVisible('#filters')).toBe(false);
    expect(await page.isVisible('#print-title')).toBe(true);
    expect(await text(page, '#print-title')).toBe('Còn nợ (chưa nộp hoặc nộp thiếu)');
    expect(await page.isVisible(row('HS0001'))).toBe(false);
    expect(await page.isVisible(row('HS0002'))).toBe(true);
    await page.screenshot({ path: `${artifacts}/bursar-print-owing.png`, fullPage: true });
    await page.emulateMedia({ media: 'screen' });
    expect(problems).toEqual([]);

    // The same filter from the address, without a script: the server hides the same rows.
    await page.goto(`${app.url}/bursar?status=owing&class=6A`);
    expect(await visibleCodes(page)).toEqual(
      students
        .filter((s) => s.className === '6A' && s.code !== 'HS0001')
        .map((s) => s.code)
        .sort(byName(page)),
    );
    await page.close();
  });

  it('in English', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${app.url}/bursar?lang=en`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await text(page, '.sub')).toBe('School fee tracker');
    expect(await text(page, `${row('HS0002')} .state`)).toBe('Partly paid');
    expect(await text(page, '#students tbody[data-group="6A"] .class-summary')).toBe(
      '1 of 4 paid in full · ₫5,000,000 owing',
    );
    await page.screenshot({ path: `${artifacts}/bursar-en-phone.png`, fullPage: true });
    await page.close();
  });
});

/** The page lists pupils by given name (the last word), as Vietnamese class lists do. */
function byName(_page: Page) {
  const collator = new Intl.Collator('vi', { numeric: true, sensitivity: 'base' });
  const name = (code: string) => students.find((s) => s.code === code)!.name;
  const given = (n: string) => n.split(' ').pop()!;
  return (a: string, b: string) =>
    collator.compare(given(name(a)), given(name(b))) ||
    collator.compare(name(a), name(b)) ||
    collator.compare(a, b);
}
