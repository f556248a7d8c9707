// Webhook signatures, beyond test/integration/callbacks/adapters.test.ts (which covers a wrong secret per
// adapter, generic's and Casso's stale timestamps, and a plain replay): future timestamps, the window's
// edges, bodies altered after signing, signatures cut or forged, a replayed id carrying other content,
// and secret rotation (two secrets at once).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmacHex } from '../../../src/callbacks/signing.js';
import { queryRows } from '../../../src/db/client.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import {
  cassoCallback,
  countRows,
  genericCallback,
  payosCallback,
  postCallback,
  type Signed,
  secrets,
  sepayCallback,
  uniqueId,
} from '../../support/callback-factories.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: secrets, work: false });
});
afterAll(() => app?.close());

const nowS = () => Math.floor(Date.now() / 1000);

/** SePay's HMAC mode with a chosen timestamp and secret. */
function sepayHmac(tS: number, secret = secrets.SEPAY_WEBHOOK_SECRET, account = '0123499999'): Signed {
  const { body } = sepayCallback({ accountNumber: account });
  const t = String(tS);
  return {
    body,
    headers: {
      'x-sepay-timestamp': t,
      'x-sepay-signature': `sha256=${hmacHex('sha256', secret, `${t}.${body}`)}`,
    },
  };
}

type Adapter = {
  provider: string;
  /** A valid callback signed at `offsetS` seconds from now (where the provider signs a time). */
  signedAt?: (offsetS: number) => Signed;
  valid: () => Signed;
  /** The amount as it appears in the signed body, to alter after signing. */
  amountField: RegExp;
  signatureHeader?: string;
};

const adapters: Adapter[] = [
  {
    provider: 'generic',
    signedAt: (o) => genericCallback({}, { t: nowS() + o }),
    valid: () => genericCallback({ amount: 10_000 }),
    amountField: /"amount":10000/,
    signatureHeader: 'x-signature',
  },
  {
    provider: 'sepay',
    signedAt: (o) => sepayHmac(nowS() + o),
    valid: () => sepayHmac(nowS()),
    amountField: /"transferAmount":150000/,
    signatureHeader: 'x-sepay-signature',
  },
  {
    provider: 'payos',
    valid: () => payosCallback({ amount: 3000 }),
    amountField: /"amount":3000/,
  },
  {
    provider: 'casso',
    signedAt: (o) => cassoCallback({}, { tMs: Date.now() + o * 1000 }),
    valid: () => cassoCallback({ amount: 599_000 }),
    amountField: /"amount":599000/,
    signatureHeader: 'x-casso-signature',
  },
];

const lastRawBody = () =>
  queryRows<{ raw_body: string }>(
    app.deps.db,
    sql`select raw_body from callback_events order by id desc limit 1`,
  );

/** Posts and asserts nothing was stored. */
async function refused(provider: string, signed: Signed, status = 401) {
  const before = await countRows(app, 'callback_events');
  const res = await postCallback(app, provider, signed);
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(await countRows(app, 'callback_events')).toBe(before);
  return res;
}

describe.each(adapters)('$provider signatures', (a) => {
  it('a body altered after signing (the amount) is refused and nothing is stored', async () => {
    const signed = a.valid();
    expect(signed.body).toMatch(a.amountField);
    const res = await refused(a.provider, {
      ...signed,
      body: signed.body.replace(a.amountField, (m) => m.replace(/\d+$/, (d) => `${d}0`)),
    });
    expect(res.body.error.code).toBe('invalid_signature');
  });

  it('a signature cut short, or one made for another body, is refused', async () => {
    const signed = a.valid();
    const other = a.valid();
    if (a.signatureHeader) {
      const h = a.signatureHeader;
      await refused(a.provider, {
        body: signed.body,
        headers: { ...signed.headers, [h]: signed.headers[h]!.slice(0, -2) },
      });
      await refused(a.provider, { body: signed.body, headers: other.headers });
    } else {
      const body = JSON.parse(signed.body);
      await refused(a.provider, {
        ...signed,
        body: JSON.stringify({ ...body, signature: body.signature.slice(0, -2) }),
      });
      await refused(a.provider, {
        ...signed,
        body: JSON.stringify({ ...body, signature: JSON.parse(other.body).signature }),
      });
    }
  });

  it('a replayed event id carrying other content is acknowledged and changes nothing', async () => {
    const signed = a.valid();
    expect((await postCallback(app, a.provider, signed)).status).toBe(200);
    const [stored] = await lastRawBody();
    expect(stored!.raw_body).toBe(signed.body);
    const before = await countRows(app, 'callback_events');
    // The same id again, properly signed but with another amount (a provider bug, or a replay of an
    // edited copy signed with a leaked secret): the first delivery stands.
    const id = JSON.parse(signed.body);
    const again =
      a.provider === 'generic'
        ? genericCallback({ id: id.id, amount: 99_000 })
        : a.provider === 'sepay'
          ? sepayCallback({ id: id.id, transferAmount: 99_000 }, { hmac: true })
          : a.provider === 'payos'
            ? payosCallback({ orderCode: id.data.orderCode, reference: id.data.reference, amount: 99_000 })
            : cassoCallback({ id: id.data.id, amount: 99_000 });
    expect((await postCallback(app, a.provider, again)).status).toBe(200);
    expect(await countRows(app, 'callback_events')).toBe(before);
    const [still] = await lastRawBody();
    expect(still!.raw_body).toBe(signed.body);
  });

  if (a.signedAt) {
    const at = a.signedAt;
    it('refuses a timestamp more than 300 s in the past or in the future; accepts clock skew inside the window', async () => {
      await refused(a.provider, at(-330));
      await refused(a.provider, at(330));
      await refused(a.provider, at(86_400 * 365));
      expect((await postCallback(app, a.provider, at(-240))).status).toBe(200);
      expect((await postCallback(app, a.provider, at(240))).status).toBe(200);
    });
  } else {
    it('signs no timestamp (payOS): a replay is harmless because the event id dedupes it', async () => {
      const signed = a.valid();
      const results = await Promise.all([1, 2, 3].map(() => postCallback(app, a.provider, signed)));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
      const { orderCode, reference } = JSON.parse(signed.body).data;
      expect(
        await countRows(
          app,
          'callback_events',
          sql`provider = 'payos' and provider_event_id = ${`${orderCode}:${reference}`}`,
        ),
      ).toBe(1);
    });
  }
});

describe('SePay', () => {
  it('HMAC mode with a wrong secret is refused even when the API key mode is configured too', async () => {
    await refused('sepay', sepayHmac(nowS(), 'some-other-sepay-secret-000'));
  });

  it('a malformed timestamp is refused', async () => {
    const signed = sepayHmac(nowS());
    await refused('sepay', { ...signed, headers: { ...signed.headers, 'x-sepay-timestamp': 'soon' } });
  });
});

describe('secret rotation: two secrets configured at once', () => {
  const next = {
    GENERIC_WEBHOOK_SECRET: 'generic-next-secret-9876543210',
    SEPAY_API_KEY: 'sepay-next-api-key-9876',
    SEPAY_WEBHOOK_SECRET: 'sepay-next-hmac-secret-9876',
    PAYOS_CHECKSUM_KEY: 'payos-next-checksum-key-9876543210',
    CASSO_WEBHOOK_SECRET: 'casso-next-webhook-secret-9876543210',
  };
  let rotating: TestApp;
  beforeAll(async () => {
    // The new secret first, the old one (still used by the provider) after it.
    const env = Object.fromEntries(
      Object.entries(next).map(([k, v]) => [k, `${v},${secrets[k as keyof typeof secrets]}`]),
    );
    rotating = await startTestApp({ env, work: false });
  });
  afterAll(() => rotating?.close());

  it('accepts callbacks signed with either secret, and refuses a third', async () => {
    const post = (provider: string, s: Signed) => postCallback(rotating, provider, s).then((r) => r.status);
    const account = `6${uniqueId()}`;
    expect(await post('generic', genericCallback({ accountNumber: account }))).toBe(200);
    expect(
      await post(
        'generic',
        genericCallback({ accountNumber: account }, { secret: next.GENERIC_WEBHOOK_SECRET }),
      ),
    ).toBe(200);
    expect(await post('generic', genericCallback({}, { secret: 'generic-third-secret-000000000' }))).toBe(
      401,
    );

    expect(await post('sepay', sepayCallback({}))).toBe(200);
    expect(await post('sepay', sepayCallback({}, { apiKey: next.SEPAY_API_KEY }))).toBe(200);
    expect(await post('sepay', sepayCallback({}, { apiKey: 'sepay-third-key-000' }))).toBe(401);
    expect(await post('sepay', sepayHmac(nowS()))).toBe(200);
    expect(await post('sepay', sepayHmac(nowS(), next.SEPAY_WEBHOOK_SECRET))).toBe(200);

    expect(await post('payos', payosCallback({}))).toBe(200);
    expect(await post('payos', payosCallback({}, { key: next.PAYOS_CHECKSUM_KEY }))).toBe(200);
    expect(await post('payos', payosCallback({}, { key: 'payos-third-checksum-key-00000' }))).toBe(401);

    expect(await post('casso', cassoCallback({}))).toBe(200);
    expect(await post('casso', cassoCallback({}, { secret: next.CASSO_WEBHOOK_SECRET }))).toBe(200);
    expect(await post('casso', cassoCallback({}, { secret: 'casso-third-secret-00000000000' }))).toBe(401);
  });

  it('refuses a list with a secret that is too short (the configuration names it)', async () => {
    const { loadConfig } = await import('../../../src/config.js');
    expect(() => loadConfig({ GENERIC_WEBHOOK_SECRET: `${next.GENERIC_WEBHOOK_SECRET},short` })).toThrow(
      /GENERIC_WEBHOOK_SECRET/,
    );
  });
});
