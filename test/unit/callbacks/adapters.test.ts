import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cassoAdapter, cassoSignedString } from '../../../src/callbacks/casso.js';
import { genericAdapter } from '../../../src/callbacks/generic.js';
import { payosAdapter, payosSignedString } from '../../../src/callbacks/payos.js';
import { sepayAdapter } from '../../../src/callbacks/sepay.js';
import { hmacHex, parseTimestampedSignature, vietnamLocalToIso } from '../../../src/callbacks/signing.js';
import type { CallbackAdapter } from '../../../src/callbacks/types.js';
import { loadConfig } from '../../../src/config.js';
import { MAX_TRANSACTION_AMOUNT } from '../../../src/transactions/amount.js';

// Copies of the samples in shared/providers/, and Casso's from its documentation.
const shared = (name: string) =>
  readFileSync(new URL(`../../fixtures/providers/${name}`, import.meta.url), 'utf8');
const now = new Date('2026-11-20T07:02:40Z');
const verify = (
  adapter: CallbackAdapter,
  raw: string,
  headers: Record<string, string>,
  env: Record<string, string>,
) => {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {}
  const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return adapter.verify({ raw, json, header: (n) => h[n.toLowerCase()], now, config: loadConfig(env) });
};

describe('payOS', () => {
  // The sample on https://payos.vn/docs/tich-hop-webhook/kiem-tra-du-lieu-voi-signature/ with its checksum key.
  const key = '1a54716c8f0efb2744fb28b6e38b25da7f67a925d98bc1c18bd8faaecadd7675';
  const docsBody = JSON.stringify({
    code: '00',
    desc: 'success',
    success: true,
    data: {
      orderCode: 123,
      amount: 3000,
      description: 'VQRIO123',
      accountNumber: '12345678',
      reference: 'TF230204212323',
      transactionDateTime: '2023-02-04 18:25:00',
      currency: 'VND',
      paymentLinkId: '124c33293c43417ab7879e14c8d9eb18',
      code: '00',
      desc: 'Thành công',
      counterAccountBankId: '',
      counterAccountBankName: '',
      counterAccountName: '',
      counterAccountNumber: '',
      virtualAccountName: '',
      virtualAccountNumber: '',
    },
    signature: '412e915d2871504ed31be63c8f62a149a4410d34c4c42affc9006ef9917eaa03',
  });

  it('verifies the documentation sample and refuses it with another key or a changed field', () => {
    expect(verify(payosAdapter, docsBody, {}, { PAYOS_CHECKSUM_KEY: key })).toEqual({ ok: true });
    expect(verify(payosAdapter, docsBody, {}, { PAYOS_CHECKSUM_KEY: `${key.slice(0, -1)}0` }).ok).toBe(false);
    expect(
      verify(
        payosAdapter,
        docsBody.replace('"amount":3000', '"amount":30000'),
        {},
        { PAYOS_CHECKSUM_KEY: key },
      ).ok,
    ).toBe(false);
  });

  it('parses the sample into one credit; null and arrays serialise as the docs say', () => {
    const parsed = payosAdapter.parse(JSON.parse(docsBody));
    expect(parsed).toEqual({
      ok: true,
      credit: expect.objectContaining({
        providerEventId: '123:TF230204212323',
        direction: 'in',
        accountNumber: '12345678',
        amount: 3000,
        memo: 'VQRIO123',
        bookedAt: '2023-02-04T11:25:00.000Z',
      }),
    });
    expect(payosSignedString({ b: null, a: [{ y: 1, x: 'đ' }], c: 'undefined' })).toBe(
      'a=[{"x":"đ","y":1}]&b=&c=',
    );
  });

  it('reads shared/providers/payos.json once signed with the test key', () => {
    const sample = JSON.parse(shared('payos.json'));
    sample.signature = hmacHex('sha256', 'payos-test-checksum-key-0000', payosSignedString(sample.data));
    const raw = JSON.stringify(sample);
    expect(verify(payosAdapter, raw, {}, { PAYOS_CHECKSUM_KEY: 'payos-test-checksum-key-0000' })).toEqual({
      ok: true,
    });
    expect(payosAdapter.parse(sample)).toMatchObject({
      ok: true,
      credit: { amount: 3000, bookedAt: '2026-11-20T11:25:00.000Z' },
    });
  });
});

// Casso's own sample: the body from its webhook v2 verification example (test/fixtures/providers/casso.json).
const cassoSample = JSON.parse(shared('casso.json')) as { error: number; data: Record<string, unknown> };

describe('Casso', () => {
  // Casso's secret and X-Casso-Signature for cassoSample, from the same example.
  const body = cassoSample;
  const secret = 'mgExMrjj4i7a1p8Cs6LmFbpCd8lbw4sSX4LZXPag7TKazeIogtR90tvWYTkwQbvs';
  const t = '1727948258788';
  const v1 =
    'ed0a4bd2e826d5cb69988cdb141e6c1a080e21f3b57eb72cd78192220042b9e7dde0868fc667faea8e224900fa7904e7c88dfa098032fb2d6b6996856e8b7ff3';

  it('computes the signature of Casso’s sample', () => {
    expect(hmacHex('sha512', secret, cassoSignedString(t, body))).toBe(v1);
  });

  it('verifies within the window, whatever the key order of the raw body; refuses outside it', () => {
    const raw = JSON.stringify({ data: body.data, error: 0 });
    const inWindow = new Date(Number(t) + 60_000);
    const config = loadConfig({ CASSO_WEBHOOK_SECRET: secret });
    const header = (n: string) => (n === 'x-casso-signature' ? `t=${t},v1=${v1}` : undefined);
    expect(cassoAdapter.verify({ raw, json: JSON.parse(raw), header, now: inWindow, config })).toEqual({
      ok: true,
    });
    const late = new Date(Number(t) + 301_000);
    expect(cassoAdapter.verify({ raw, json: JSON.parse(raw), header, now: late, config }).ok).toBe(false);
  });

  it('parses credits and debits (negative amounts)', () => {
    expect(cassoAdapter.parse(body)).toMatchObject({
      ok: true,
      credit: {
        providerEventId: '0',
        direction: 'in',
        amount: 599000,
        bookedAt: '2024-10-03T08:06:37.000Z',
        counterpartyBankBin: '970415',
      },
    });
    expect(cassoAdapter.parse({ ...body, data: { ...body.data, amount: -5000 } })).toMatchObject({
      ok: true,
      credit: { direction: 'out', amount: 5000, ignoreReason: 'outgoing transfer' },
    });
    expect(cassoAdapter.parse({ error: 0, data: [body.data] }).ok).toBe(false);
  });
});

describe('SePay', () => {
  const raw = shared('sepay.json');
  const env = { SEPAY_API_KEY: 'sepay-key-123', SEPAY_WEBHOOK_SECRET: 'sepay-hmac-secret-000' };

  it('accepts the API key, in constant time, and refuses any other', () => {
    expect(verify(sepayAdapter, raw, { Authorization: 'Apikey sepay-key-123' }, env)).toEqual({ ok: true });
    expect(verify(sepayAdapter, raw, { Authorization: 'Apikey sepay-key-124' }, env).ok).toBe(false);
    expect(verify(sepayAdapter, raw, { Authorization: 'Bearer sepay-key-123' }, env).ok).toBe(false);
    expect(verify(sepayAdapter, raw, {}, env).ok).toBe(false);
  });

  it('accepts an HMAC-SHA256 signature of "<timestamp>.<raw body>" within 5 minutes', () => {
    const ts = String(Math.floor(now.getTime() / 1000) - 100);
    const sig = hmacHex('sha256', env.SEPAY_WEBHOOK_SECRET, `${ts}.${raw}`);
    expect(
      verify(sepayAdapter, raw, { 'X-SePay-Timestamp': ts, 'X-SePay-Signature': `sha256=${sig}` }, env),
    ).toEqual({ ok: true });
    expect(verify(sepayAdapter, raw, { 'X-SePay-Timestamp': ts, 'X-SePay-Signature': sig }, env)).toEqual({
      ok: true,
    });
    const old = String(Math.floor(now.getTime() / 1000) - 400);
    const oldSig = hmacHex('sha256', env.SEPAY_WEBHOOK_SECRET, `${old}.${raw}`);
    expect(verify(sepayAdapter, raw, { 'X-SePay-Timestamp': old, 'X-SePay-Signature': oldSig }, env).ok).toBe(
      false,
    );
  });

  it('parses shared/providers/sepay.json: Vietnam time, the memo, the dedupe id', () => {
    expect(sepayAdapter.parse(JSON.parse(raw))).toEqual({
      ok: true,
      credit: expect.objectContaining({
        providerEventId: '92704',
        direction: 'in',
        accountNumber: '0123499999',
        amount: 150000,
        memo: 'MBVCB.3278907687.HPK7Q2M9XJ.NGUYEN VAN A chuyen tien',
        bookedAt: '2026-11-20T07:02:37.000Z',
        bankReference: 'MBVCB.3278907687',
      }),
    });
  });

  it('refuses fractions, negatives and absurd amounts', () => {
    const sample = JSON.parse(raw);
    for (const transferAmount of [1.5, -1, 0, 1e15, '150000']) {
      expect(sepayAdapter.parse({ ...sample, transferAmount }).ok, String(transferAmount)).toBe(false);
    }
  });
});

describe('generic', () => {
  const env = { GENERIC_WEBHOOK_SECRET: 'generic-secret-0123456789' };
  const raw =
    '{"id":"abc","accountNumber":"123","amount":5000,"description":"x","bookedAt":"2026-11-20T07:00:00Z"}';
  const t = Math.floor(now.getTime() / 1000);

  it('checks the t=,v1= signature of "<t>.<raw body>" with a 300 s window', () => {
    const sig = (ts: number) => `t=${ts},v1=${hmacHex('sha256', env.GENERIC_WEBHOOK_SECRET, `${ts}.${raw}`)}`;
    expect(verify(genericAdapter, raw, { 'X-Signature': sig(t - 299) }, env)).toEqual({ ok: true });
    expect(verify(genericAdapter, raw, { 'X-Signature': sig(t - 301) }, env).ok).toBe(false);
    expect(verify(genericAdapter, `${raw} `, { 'X-Signature': sig(t) }, env).ok).toBe(false);
    expect(verify(genericAdapter, raw, { 'X-Signature': 'v1=abc' }, env).ok).toBe(false);
  });

  it('helpers: header parsing and Vietnam local time', () => {
    expect(parseTimestampedSignature('t=1,v1=aa,v1=bb')).toEqual({ t: '1', v1: ['aa', 'bb'] });
    expect(parseTimestampedSignature('t=x,v1=aa')).toBeUndefined();
    expect(vietnamLocalToIso('2026-11-20 00:30:00')).toBe('2026-11-19T17:30:00.000Z');
    expect(vietnamLocalToIso('20/11/2026')).toBeUndefined();
  });
});

describe('the size of a credit, the same bound in every adapter', () => {
  const payos = JSON.parse(shared('payos.json'));
  const sepay = JSON.parse(shared('sepay.json'));
  const generic = {
    id: 'a',
    accountNumber: '1',
    amount: 5000,
    description: 'x',
    bookedAt: '2026-11-20T07:00:00Z',
  };
  const adapters: [CallbackAdapter, (amount: number) => unknown][] = [
    [payosAdapter, (amount) => ({ ...payos, data: { ...payos.data, amount } })],
    [cassoAdapter, (amount) => ({ ...cassoSample, data: { ...cassoSample.data, amount } })],
    [sepayAdapter, (transferAmount) => ({ ...sepay, transferAmount })],
    [genericAdapter, (amount) => ({ ...generic, amount })],
  ];

  it.each(adapters.map(([adapter, body]) => ({ name: adapter.name, adapter, body })))(
    '$name: up to 100 billion VND, not one đồng more',
    ({ adapter, body }) => {
      const parsed = adapter.parse(body(MAX_TRANSACTION_AMOUNT));
      expect(parsed).toMatchObject({ ok: true, credit: { amount: MAX_TRANSACTION_AMOUNT } });
      const refused = adapter.parse(body(MAX_TRANSACTION_AMOUNT + 1));
      expect(refused).toMatchObject({ ok: false, reason: expect.stringContaining('100,000,000,000') });
    },
  );
});
