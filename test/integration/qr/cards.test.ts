import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../support/app.js';
import { createCommune, createPayee } from '../../support/factories.js';
import { cardIds } from './helpers.js';

let app: TestApp;
let commune: Awaited<ReturnType<typeof createCommune>>;
let vendor: Awaited<ReturnType<typeof createPayee>>;
beforeAll(async () => {
  app = await startTestApp();
  commune = await createCommune(app);
  vendor = await createPayee(app, commune.hamlets[0]!, {
    name: 'Sạp rau bà Tư <Chợ Đình>',
    stallNo: 'B-07',
    bankBin: '970405',
    accountNumber: '3600205123456',
    accountName: 'NGUYEN THI TU',
  });
});
afterAll(() => app?.close());

describe('GET /v1/payees/{id}/card', () => {
  it('is a printable A6 page with the vendor, stall, bank, account and the QR inline', async () => {
    const res = await app.api('GET', `/v1/payees/${vendor.id}/card`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/i);
    const page = res.body as string;
    expect(page).toContain('<html lang="vi">');
    expect(cardIds(page)).toEqual([vendor.id]);
    // Names are escaped, not markup.
    expect(page).toContain('Sạp rau bà Tư &lt;Chợ Đình&gt;');
    expect(page).not.toContain('<Chợ Đình>');
    expect(page).toContain('Sạp số <b>B-07</b>');
    expect(page).toContain('Agribank');
    expect(page).toContain('NGUYEN THI TU');
    expect(page).toContain('3600205123456');
    expect(page).toContain('Quét mã để thanh toán');
    expect(page).toMatch(/<div class="qr"[^>]*><svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(page).toContain('@page { size: A6 portrait');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('has the same QR drawing as GET /qr.svg', async () => {
    const page = (await app.api('GET', `/v1/payees/${vendor.id}/card`)).body as string;
    const svg = ((await app.api('GET', `/v1/payees/${vendor.id}/qr.svg`)).body as string).trim();
    expect(page).toContain(svg);
  });

  it('speaks English with ?lang=en, and refuses other languages', async () => {
    const res = await app.api('GET', `/v1/payees/${vendor.id}/card?lang=en`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('<html lang="en">');
    expect(res.body).toContain('Scan to pay');
    expect(res.body).toContain('Account holder');
    expect(res.body).toContain('Stall <b>B-07</b>');
    expect((await app.api('GET', `/v1/payees/${vendor.id}/card?lang=fr`)).status).toBe(400);
  });

  it('leaves out the stall line for a payee without a stall number', async () => {
    const school = await createPayee(app, commune.commune, {
      kind: 'school',
      name: 'Trường TH Xã',
      stallNo: undefined,
    });
    const page = (await app.api('GET', `/v1/payees/${school.id}/card`)).body as string;
    expect(page).toContain('Trường TH Xã');
    expect(page).not.toContain('Sạp số');
  });
});

describe('GET /v1/payees/cards', () => {
  it('prints one card per stall of the market, four to an A4 page, in stall order', async () => {
    const market = (await createCommune(app)).hamlets[1]!;
    const idOf: Record<string, string> = {};
    for (const stallNo of ['A10', 'A2', 'A1', 'B1', 'A3']) {
      idOf[stallNo] = (await createPayee(app, market, { stallNo, name: `Sạp ${stallNo}` })).id;
    }
    // Not a stall, and a stall of another market: neither is on the sheet.
    await createPayee(app, market, { kind: 'utility', name: 'Quầy điện nước', stallNo: undefined });
    await createPayee(app, commune.hamlets[1]!, { stallNo: 'Z9' });

    const res = await app.api('GET', `/v1/payees/cards?unitCode=${market}&kind=market_vendor`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = res.body as string;
    expect(cardIds(page)).toEqual(['A1', 'A2', 'A3', 'A10', 'B1'].map((no) => idOf[no]));
    expect(page.match(/<section class="page">/g)).toHaveLength(2);
    expect(page).toContain('@page { size: A4 portrait');
    expect(page.match(/<svg xmlns=/g)).toHaveLength(5);
    expect(page).toContain(`(${market})`);
  });

  it('is not taken for a payee id (GET /v1/payees/{id})', async () => {
    const res = await app.api('GET', `/v1/payees/cards?unitCode=${commune.commune}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    // The whole commune: the vendor of the first hamlet is there.
    expect(cardIds(res.body)).toContain(vendor.id);
  });

  it('says so when there is nothing to print, and 404 for a unit that does not exist', async () => {
    const empty = (await createCommune(app)).hamlets[0]!;
    const res = await app.api('GET', `/v1/payees/cards?unitCode=${empty}&lang=en`);
    expect(res.status).toBe(200);
    expect(cardIds(res.body)).toEqual([]);
    expect(res.body).toContain('No payees to print.');
    const missing = await app.api('GET', '/v1/payees/cards?unitCode=NOWHERE');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });
});
