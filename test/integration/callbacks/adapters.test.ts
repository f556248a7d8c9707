import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  settle,
  transactionsOf,
  uniqueId,
} from '../../support/callback-factories.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: secrets });
});
afterAll(() => app?.close());

type Case = {
  provider: string;
  valid: (account: string) => Signed;
  badSignature: (account: string) => Signed;
  malformed: () => Signed;
  success: unknown;
};

const cases: Case[] = [
  {
    provider: 'generic',
    valid: (a) => genericCallback({ accountNumber: a, amount: 25_000, description: 'tien hang' }),
    badSignature: (a) => genericCallback({ accountNumber: a }, { secret: 'not-the-secret-at-all-000' }),
    malformed: () => genericCallback({ amount: 12.5 }),
    success: { ok: true },
  },
  {
    provider: 'sepay',
    valid: (a) => sepayCallback({ accountNumber: a, transferAmount: 150_000 }),
    badSignature: (a) => sepayCallback({ accountNumber: a }, { apiKey: 'wrong-key-123' }),
    malformed: () => ({ ...sepayCallback({}), body: '{"id": 1, "transferAmount": "lots"' }),
    success: { success: true },
  },
  {
    provider: 'payos',
    valid: (a) => payosCallback({ accountNumber: a, amount: 3000 }),
    badSignature: (a) => payosCallback({ accountNumber: a }, { key: 'another-checksum-key-000000000' }),
    malformed: () => payosCallback({ transactionDateTime: 'yesterday' }),
    success: { error: 0, message: 'Ok' },
  },
  {
    provider: 'casso',
    valid: (a) => cassoCallback({ accountNumber: a, amount: 599_000 }),
    badSignature: (a) => cassoCallback({ accountNumber: a }, { secret: 'another-casso-secret-0000000000' }),
    malformed: () => cassoCallback({ amount: 0 }),
    success: { success: true },
  },
];

describe.each(cases)('$provider adapter', (c) => {
  it('stores a valid callback once and answers the provider’s success; a replay answers the same and changes nothing', async () => {
    const account = `9${uniqueId()}`;
    const signed = c.valid(account);
    const first = await postCallback(app, c.provider, signed);
    expect(first.status).toBe(200);
    expect(first.body).toEqual(c.success);
    const again = await postCallback(app, c.provider, signed);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(c.success);
    await settle(app);
    const txs = await transactionsOf(app, account);
    expect(txs).toHaveLength(1);
    expect(txs[0].status).toBe('unmatched');
    const detail = await app.api('GET', `/v1/transactions/${txs[0].id}`);
    expect(detail.body.sources).toHaveLength(1);
    // The raw body is kept byte for byte.
    expect(detail.body.sources[0].raw).toBe(signed.body);
    expect(detail.body.sources[0].channel).toBe(`callback:${c.provider}`);
  });

  it('answers 401 to a bad signature and stores nothing', async () => {
    const account = `8${uniqueId()}`;
    const before = await countRows(app, 'callback_events');
    const res = await postCallback(app, c.provider, c.badSignature(account));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_signature');
    expect(await countRows(app, 'callback_events')).toBe(before);
  });

  it('answers 400 to a malformed body and stores nothing', async () => {
    const before = await countRows(app, 'callback_events');
    const res = await postCallback(app, c.provider, c.malformed());
    expect(res.status).toBe(400);
    expect(await countRows(app, 'callback_events')).toBe(before);
  });
});

describe('callback security details', () => {
  it('generic refuses a timestamp more than 300 s old even with a correct signature', async () => {
    const res = await postCallback(
      app,
      'generic',
      genericCallback({}, { t: Math.floor(Date.now() / 1000) - 301 }),
    );
    expect(res.status).toBe(401);
  });

  it('casso refuses a stale timestamp; sepay accepts its HMAC signing too', async () => {
    expect((await postCallback(app, 'casso', cassoCallback({}, { tMs: Date.now() - 400_000 }))).status).toBe(
      401,
    );
    expect((await postCallback(app, 'sepay', sepayCallback({}, { hmac: true }))).status).toBe(200);
    const tampered = sepayCallback({}, { hmac: true });
    tampered.body = tampered.body.replace('"transferAmount":150000', '"transferAmount":1500000');
    expect((await postCallback(app, 'sepay', tampered)).status).toBe(401);
  });

  it('an unknown provider is 404; a missing signature is 401', async () => {
    expect((await postCallback(app, 'nope', genericCallback({}))).status).toBe(404);
    expect((await postCallback(app, 'generic', { ...genericCallback({}), headers: {} })).status).toBe(401);
  });

  it('a SePay outgoing transfer is stored but not a credit: its transaction is ignored', async () => {
    const account = `7${uniqueId()}`;
    expect(
      (await postCallback(app, 'sepay', sepayCallback({ accountNumber: account, transferType: 'out' })))
        .status,
    ).toBe(200);
    await settle(app);
    const [t] = await transactionsOf(app, account);
    expect(t).toMatchObject({ status: 'ignored', direction: 'out', ignoreReason: 'outgoing transfer' });
  });
});

describe('an adapter without its secret', () => {
  let bare: TestApp;
  beforeAll(async () => {
    bare = await startTestApp({ env: { GENERIC_WEBHOOK_SECRET: secrets.GENERIC_WEBHOOK_SECRET } });
  });
  afterAll(() => bare?.close());

  it('answers 503 provider_not_configured and never accepts unsigned callbacks', async () => {
    for (const provider of ['sepay', 'payos', 'casso']) {
      const res = await postCallback(bare, provider, { body: '{}', headers: {} });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('provider_not_configured');
    }
    expect(await countRows(bare, 'callback_events', sql`true`)).toBe(0);
  });
});

describe('the same callback 100 times at once', () => {
  it('makes one raw event, one transaction and one allocation', async () => {
    const { hamlets } = await import('../../support/factories.js').then((f) => f.createCommune(app));
    const { createPayee } = await import('../../support/factories.js');
    const stall = await createPayee(app, hamlets[0]!);
    const signed = sepayCallback({
      accountNumber: stall.accountNumber,
      transferAmount: 42_000,
      content: 'mua rau',
    });
    const results = await Promise.all(Array.from({ length: 100 }, () => postCallback(app, 'sepay', signed)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    await settle(app);
    const eventId = JSON.parse(signed.body).id;
    expect(
      await countRows(
        app,
        'callback_events',
        sql`provider = 'sepay' and provider_event_id = ${String(eventId)}`,
      ),
    ).toBe(1);
    const txs = await transactionsOf(app, stall.accountNumber);
    expect(txs).toHaveLength(1);
    expect(txs[0]).toMatchObject({ status: 'matched', payeeId: stall.id, allocatedAmount: 42_000 });
    expect(await countRows(app, 'allocations', sql`transaction_id = ${txs[0].id}`)).toBe(1);
  });
});
