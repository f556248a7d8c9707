import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeVietQr } from '../../../src/vietqr/payload.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { createCommune, createPayee } from '../../support/factories.js';
import { getBytes, pngWidth, scanPng } from './helpers.js';

let app: TestApp;
let payee: Awaited<ReturnType<typeof createPayee>>;
beforeAll(async () => {
  app = await startTestApp();
  const commune = await createCommune(app);
  payee = await createPayee(app, commune.hamlets[0]!, { bankBin: '970415', accountNumber: '108000123456' });
});
afterAll(() => app?.close());

describe('GET /v1/payees/{id}/qr.png', () => {
  it('is a PNG that a QR reader scans back to the stall’s static VietQR', async () => {
    const res = await getBytes(app, `/v1/payees/${payee.id}/qr.png`, app.adminKey);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const scanned = scanPng(res.body);
    expect(scanned).toBe(payee.staticQr.payload);
    const decoded = decodeVietQr(scanned!);
    expect(decoded.ok && decoded.value).toMatchObject({
      static: true,
      bin: '970415',
      account: '108000123456',
      service: 'account',
    });
    expect(decoded.ok && decoded.value.amount).toBeUndefined();
  });

  it('carries an ETag and a private max-age, and answers 304 to If-None-Match', async () => {
    const first = await getBytes(app, `/v1/payees/${payee.id}/qr.png`, app.adminKey);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);

    const again = await getBytes(app, `/v1/payees/${payee.id}/qr.png`, app.adminKey);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.body).toEqual(first.body);

    const notModified = await getBytes(app, `/v1/payees/${payee.id}/qr.png`, app.adminKey, {
      'if-none-match': etag,
    });
    expect(notModified.status).toBe(304);
    expect(notModified.body.length).toBe(0);
    expect(notModified.headers.get('etag')).toBe(etag);
    expect(notModified.headers.get('cache-control')).toBe(first.headers.get('cache-control'));

    const listed = await getBytes(app, `/v1/payees/${payee.id}/qr.png`, app.adminKey, {
      'if-none-match': `"somethingelse", W/${etag}`,
    });
    expect(listed.status).toBe(304);

    const stale = await getBytes(app, `/v1/payees/${payee.id}/qr.png`, app.adminKey, {
      'if-none-match': '"an-old-image"',
    });
    expect(stale.status).toBe(200);
    expect(scanPng(stale.body)).toBe(payee.staticQr.payload);
  });

  it('draws to ?size= pixels at most, still scannable, as a different image with its own ETag', async () => {
    const normal = await getBytes(app, `/v1/payees/${payee.id}/qr.png`, app.adminKey);
    const large = await getBytes(app, `/v1/payees/${payee.id}/qr.png?size=1000`, app.adminKey);
    expect(large.status).toBe(200);
    const width = pngWidth(large.body);
    expect(width).toBeLessThanOrEqual(1000);
    expect(width).toBeGreaterThan(900);
    expect(scanPng(large.body)).toBe(payee.staticQr.payload);
    expect(large.headers.get('etag')).not.toBe(normal.headers.get('etag'));

    const small = await getBytes(app, `/v1/payees/${payee.id}/qr.png?size=100`, app.adminKey);
    expect(pngWidth(small.body)).toBeLessThanOrEqual(100);
  });

  it('refuses a size outside 64–2048 or not a whole number', async () => {
    for (const size of ['10', '5000', '300.5', 'big']) {
      const res = await app.api('GET', `/v1/payees/${payee.id}/qr.png?size=${size}`);
      expect(res.status, size).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });

  it('gives each payee its own image', async () => {
    const other = await createPayee(app, (await createCommune(app)).hamlets[0]!);
    const mine = await getBytes(app, `/v1/payees/${payee.id}/qr.png`, app.adminKey);
    const theirs = await getBytes(app, `/v1/payees/${other.id}/qr.png`, app.adminKey);
    expect(theirs.headers.get('etag')).not.toBe(mine.headers.get('etag'));
    expect(scanPng(theirs.body)).toBe(other.staticQr.payload);
  });
});

describe('GET /v1/payees/{id}/qr.svg', () => {
  it('is an SVG document of the static QR, cached the same way', async () => {
    const res = await app.api('GET', `/v1/payees/${payee.id}/qr.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(res.body).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*viewBox="0 0 \d+ \d+"/);
    expect(res.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    const etag = res.headers.get('etag')!;
    const png = await app.api('GET', `/v1/payees/${payee.id}/qr.png`);
    expect(png.headers.get('etag')).not.toBe(etag);

    const notModified = await app.api('GET', `/v1/payees/${payee.id}/qr.svg`, undefined, app.adminKey, {
      'if-none-match': etag,
    });
    expect(notModified.status).toBe(304);
    expect(notModified.body).toBeUndefined();
  });
});

describe('unknown payees', () => {
  it('404 for an id that does not exist or is not an id', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-an-id']) {
      for (const path of ['qr.svg', 'qr.png', 'card']) {
        const res = await app.api('GET', `/v1/payees/${id}/${path}`);
        expect(res.status, `${id}/${path}`).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
    }
  });
});
