import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../support/app.js';
import { payCash, vendorWithKey } from '../../support/counter-factories.js';
import { createKey } from '../../support/factories.js';
import { createRequest, createSchool } from '../../support/payment-request-factories.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

async function get(path: string, key: string) {
  const res = await fetch(app.url + path, { headers: { cookie: `cc_key=${key}` }, redirect: 'manual' });
  // Intl puts a no-break space before "₫": compare with plain spaces.
  return { status: res.status, headers: res.headers, text: (await res.text()).replace(/\u00a0/g, ' ') };
}
const dataBlock = (html: string, id: string) =>
  JSON.parse(new RegExp(`<script type="application/json" id="${id}">([^<]*)</script>`).exec(html)![1]!);

describe('GET /vendor', () => {
  it('renders today’s takings and the sequence number the live stream continues from', async () => {
    const { vendor, key } = await vendorWithKey(app, { name: 'Sạp hoa Út Nhỏ', stallNo: 'D3' });
    await payCash(app, key, 45_000, { saleCount: 3 });
    await payCash(app, key, 5_000, { paidAt: new Date(Date.now() - 3 * 86_400_000).toISOString() });
    const page = await get('/vendor', key);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.text).toContain('<html lang="vi">');
    expect(page.text).toContain('id="cash-value" data-value="45000">45.000 ₫</output>');
    expect(page.text).toContain('<span id="cash-count">3</span> lượt bán');
    // Script and styles from this server only, nothing inline.
    expect(page.text).not.toMatch(/<script>(?!<)/);
    expect(page.text).not.toMatch(/ style="/);
    const data = dataBlock(page.text, 'vendor-data');
    expect(data).toMatchObject({
      payeeId: vendor.id,
      after: 2,
      streamUrl: `/v1/payees/${vendor.id}/events`,
      cash: { count: 3, value: 45_000 },
      cashless: { count: 0, value: 0 },
    });
    expect(page.text).toContain(`/v1/payees/${vendor.id}/qr.svg`);
    for (const asset of ['counter.css', 'counter-live.js', 'vendor.js']) {
      const res = await fetch(`${app.url}/assets/${asset}`);
      expect(res.status, asset).toBe(200);
    }
  });

  it('staff choose a stall from their commune; another commune’s stall is not found', async () => {
    const a = await vendorWithKey(app, { name: 'Sạp thịt Chú Năm' });
    const b = await vendorWithKey(app);
    const staff = await createKey(app, { role: 'staff', unitCode: a.commune.commune });
    const chooser = await get('/vendor', staff);
    expect(chooser.status).toBe(200);
    expect(chooser.text).toContain(`/vendor?payee=${a.vendor.id}`);
    expect(chooser.text).not.toContain(b.vendor.id);
    expect((await get(`/vendor?payee=${a.vendor.id}`, staff)).text).toContain('Sạp thịt Chú Năm');
    const elsewhere = await get(`/vendor?payee=${b.vendor.id}&lang=en`, staff);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.text).toContain('Not found.');
  });
});

describe('GET /bursar, /bursar.csv, /bursar/student', () => {
  it('groups fees by class and pupil, and gives one pupil as JSON for a live update', async () => {
    const { commune } = await vendorWithKey(app);
    const school = await createSchool(app, commune.commune);
    const key = await createKey(app, { role: 'payee', payeeId: school.id });
    // Two fees for one pupil, one for another, one cancelled (not owed), one without a pupil code.
    const tuition = await createRequest(app, school.id, {
      amount: 1_000_000,
      payerRef: 'HS01',
      payerName: 'Lê Văn Tám',
      payerGroup: '9A',
    });
    await createRequest(app, school.id, {
      amount: 200_000,
      payerRef: 'HS01',
      payerName: 'Lê Văn Tám',
      payerGroup: '9A',
    });
    await createRequest(app, school.id, {
      amount: 300_000,
      payerRef: 'HS02',
      payerName: 'Võ Thị Sáu',
      payerGroup: '10A',
    });
    const cancelled = await createRequest(app, school.id, {
      amount: 999_000,
      payerRef: 'HS03',
      payerGroup: '9A',
    });
    expect((await app.api('POST', `/v1/payment-requests/${cancelled.id}/cancel`, {}, key)).status).toBe(200);
    const loose = await createRequest(app, school.id, {
      amount: 50_000,
      payerRef: undefined,
      payerName: 'Khách lẻ',
    });
    await app.api('POST', '/v1/cash-payments', { paymentRequestId: tuition.id, amount: 400_000 }, key);

    const page = await get('/bursar', key);
    expect(page.status).toBe(200);
    const groups = [...page.text.matchAll(/<tbody data-group="([^"]*)"/g)].map((m) => m[1]);
    // "9A" before "10A" (natural order), pupils without a class last.
    expect(groups).toEqual(['9A', '10A', '~']);
    expect(page.text).not.toContain('HS03');
    expect(page.text).toMatch(
      /data-key="HS01" data-status="partial" data-due="1200000" data-paid="400000" data-owing="800000"/,
    );

    const one = await app.api('GET', '/bursar/student?ref=HS01', undefined, key);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      key: 'HS01',
      name: 'Lê Văn Tám',
      group: '9A',
      due: 1_200_000,
      paid: 400_000,
      owing: 800_000,
      status: 'partial',
      statusLabel: 'Nộp một phần',
      requests: 2,
    });
    const byRequest = await app.api('GET', `/bursar/student?request=${loose.id}&lang=en`, undefined, key);
    expect(byRequest.body).toMatchObject({
      key: `request:${loose.id}`,
      name: 'Khách lẻ',
      statusLabel: 'Unpaid',
    });
    expect((await app.api('GET', '/bursar/student?ref=NOPE', undefined, key)).status).toBe(404);
    expect((await app.api('GET', '/bursar/student?ref=HS01', undefined, null)).status).toBe(401);

    const csv = await get('/bursar.csv?status=owing', key);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toMatch(
      /^attachment; filename="con-no-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    expect(
      csv.text
        .replace(/^\ufeff/, '')
        .trim()
        .split('\r\n'),
    ).toEqual([
      'Lớp,Mã HS,Họ và tên,Phải nộp,Đã nộp,Còn nợ,Tình trạng',
      '9A,HS01,Lê Văn Tám,1200000,400000,800000,Nộp một phần',
      '10A,HS02,Võ Thị Sáu,300000,0,300000,Chưa nộp',
      ',,Khách lẻ,50000,0,50000,Chưa nộp',
    ]);
  });

  it('another school’s bursar sees only their own school; a name that looks like a formula stays text', async () => {
    const { commune } = await vendorWithKey(app);
    const mine = await createSchool(app, commune.commune);
    const theirs = await createSchool(app, commune.commune, {
      name: 'Trường khác',
      accountNumber: `8${Date.now() % 1e9}`,
    });
    const key = await createKey(app, { role: 'payee', payeeId: mine.id });
    await createRequest(app, mine.id, {
      payerRef: 'HS9',
      payerName: '=HYPERLINK("http://x")',
      payerGroup: '6A',
    });
    await createRequest(app, theirs.id, {
      payerRef: 'HSX',
      payerName: 'Không phải của tôi',
      payerGroup: '6A',
    });
    const page = await get(`/bursar?payee=${theirs.id}`, key);
    expect(page.text).toContain('HS9');
    expect(page.text).not.toContain('HSX');
    const csv = await get('/bursar.csv', key);
    expect(csv.text).toContain(`"'=HYPERLINK(""http://x"")"`);
  });
});

describe('the contract', () => {
  it('documents the stream and the login links in /openapi.json', async () => {
    const doc = await app.api('GET', '/openapi.json', undefined, null);
    expect(doc.status).toBe(200);
    expect(doc.body.paths['/v1/payees/{id}/events'].get.responses['200'].content).toHaveProperty(
      'text/event-stream',
    );
    expect(doc.body.paths['/v1/payees/{id}/login-links']).toHaveProperty('post');
  });
});
