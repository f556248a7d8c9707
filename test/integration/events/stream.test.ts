import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../support/app.js';
import { secrets } from '../../support/callback-factories.js';
import { payByQr, payCash, vendorWithKey } from '../../support/counter-factories.js';
import { createKey, createPayee } from '../../support/factories.js';
import { createRequest, createSchool } from '../../support/payment-request-factories.js';
import { expectSeqs, openStream, quietFor } from './sse.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: secrets });
});
afterAll(() => app?.close());

const vnToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date());

describe('GET /v1/payees/{id}/events', () => {
  it('streams a stall’s QR payment and cash sale as they happen, numbered 1, 2 in commit order', async () => {
    const { vendor, key } = await vendorWithKey(app);
    const stream = await openStream(app, `/v1/payees/${vendor.id}/events`, key);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await stream.waitForReady()).toEqual({ after: 0 });

    await payByQr(app, vendor, 35_000);
    const [qr] = await stream.waitForPayments(1);
    await payCash(app, key, 20_000, { saleCount: 2 });
    const [, cash] = await stream.waitForPayments(2);
    stream.close();

    expect(qr!.id).toBe('1');
    expect(qr!.json).toMatchObject({
      seq: 1,
      kind: 'allocation',
      channel: 'qr',
      amount: 35_000,
      refundDue: false,
      saleCount: 1,
      day: vnToday(),
      paymentRequest: null,
    });
    expect(Date.parse(qr!.json.at)).not.toBeNaN();
    expect(cash!.id).toBe('2');
    expect(cash!.json).toMatchObject({
      seq: 2,
      kind: 'cash_payment',
      channel: 'cash',
      amount: 20_000,
      saleCount: 2,
    });
  });

  it('resumes after Last-Event-ID (or ?after=) with exactly the payments it missed', async () => {
    const { vendor, key } = await vendorWithKey(app);
    const first = await openStream(app, `/v1/payees/${vendor.id}/events`, key);
    await first.waitForReady();
    await payCash(app, key, 10_000);
    await payByQr(app, vendor, 11_000);
    expectSeqs(await first.waitForPayments(2), [1, 2]);
    first.close();

    // Offline: two more payments arrive.
    await payByQr(app, vendor, 12_000);
    await payCash(app, key, 13_000);
    const resumed = await openStream(app, `/v1/payees/${vendor.id}/events`, key, { 'last-event-id': '2' });
    expect(await resumed.waitForReady()).toEqual({ after: 2 });
    const got = await resumed.waitForPayments(2);
    await quietFor(1200);
    resumed.close();
    expectSeqs(resumed.payments(), [3, 4]);
    expect(got.map((m) => m.json.amount).sort()).toEqual([12_000, 13_000]);

    // The header wins over the query (it is what the browser saw last); the query alone works too.
    const both = await openStream(app, `/v1/payees/${vendor.id}/events?after=1`, key, {
      'last-event-id': '3',
    });
    expect(await both.waitForReady()).toEqual({ after: 3 });
    expectSeqs(await both.waitForPayments(1), [4]);
    both.close();
    const byQuery = await openStream(app, `/v1/payees/${vendor.id}/events?after=0`, key);
    await byQuery.waitForPayments(4);
    await quietFor(700);
    byQuery.close();
    expectSeqs(byQuery.payments(), [1, 2, 3, 4]);
  });

  it('delivers a burst of concurrent payments each exactly once, in order, without gaps', async () => {
    const { vendor, key } = await vendorWithKey(app);
    const stream = await openStream(app, `/v1/payees/${vendor.id}/events`, key);
    await stream.waitForReady();
    const amounts = Array.from({ length: 24 }, (_, i) => 1_000 * (i + 1));
    await Promise.all(amounts.map((a, i) => (i % 2 === 0 ? payCash(app, key, a) : payByQr(app, vendor, a))));
    await stream.waitForPayments(amounts.length, 20_000);
    await quietFor(1200);
    stream.close();
    expectSeqs(
      stream.payments(),
      amounts.map((_, i) => i + 1),
    );
    expect(
      stream
        .payments()
        .map((m) => m.json.amount)
        .sort((a, b) => a - b),
    ).toEqual(amounts);
  });

  it('names the bill and the pupil when a payment pays a request', async () => {
    const { commune } = await vendorWithKey(app);
    const school = await createSchool(app, commune.commune);
    const bursar = await createKey(app, { role: 'payee', payeeId: school.id });
    const fee = await createRequest(app, school.id, {
      amount: 1_500_000,
      payerRef: 'HS0042',
      payerName: 'Trần Thị Bình',
      payerGroup: '6A',
    });
    const stream = await openStream(app, `/v1/payees/${school.id}/events`, bursar);
    await stream.waitForReady();
    await payByQr(app, school, 500_000, `${fee.reference} HS0042 hoc phi`);
    await stream.waitForPayments(1);
    await app.api('POST', '/v1/cash-payments', { paymentRequestId: fee.id }, bursar);
    const [qr, cash] = await stream.waitForPayments(2);
    stream.close();
    const named = {
      id: fee.id,
      reference: fee.reference,
      payerRef: 'HS0042',
      payerName: 'Trần Thị Bình',
      payerGroup: '6A',
    };
    expect(qr!.json).toMatchObject({ channel: 'qr', amount: 500_000, paymentRequest: named });
    expect(cash!.json).toMatchObject({ channel: 'cash', amount: 1_000_000, paymentRequest: named });
  });

  it('sends heartbeats and ends the stream when the client goes away', async () => {
    const { vendor, key } = await vendorWithKey(app);
    const stream = await openStream(app, `/v1/payees/${vendor.id}/events`, key);
    await stream.waitForReady();
    // The `retry` field tells a browser how soon to come back.
    expect(stream.messages[0]).toMatchObject({ event: 'ready' });
    stream.close();
    await quietFor(200);
    expect(stream.ended).toBe(true);
  });
});

describe('who may read a payee’s stream', () => {
  it('a payee key reads its own; another payee’s key, and staff of another commune, get 404', async () => {
    const a = await vendorWithKey(app);
    const b = await vendorWithKey(app);
    const path = `/v1/payees/${a.vendor.id}/events`;

    const other = await openStream(app, path, b.key);
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ error: { code: 'not_found' } });

    const otherStaff = await createKey(app, { role: 'staff', unitCode: b.commune.commune });
    expect((await openStream(app, path, otherStaff)).status).toBe(404);

    const ownStaff = await createKey(app, { role: 'staff', unitCode: a.commune.commune });
    const staff = await openStream(app, path, ownStaff);
    expect(staff.status).toBe(200);
    staff.close();

    const admin = await openStream(app, path, app.adminKey);
    expect(admin.status).toBe(200);
    admin.close();

    const none = await openStream(app, path, null);
    expect(none.status).toBe(401);
    expect(
      (await openStream(app, '/v1/payees/00000000-0000-4000-8000-000000000000/events', app.adminKey)).status,
    ).toBe(404);
  });

  it('a payee key never receives another payee’s payments on its stream', async () => {
    const a = await vendorWithKey(app);
    const b = await vendorWithKey(app);
    const stream = await openStream(app, `/v1/payees/${a.vendor.id}/events`, a.key);
    await stream.waitForReady();
    await payByQr(app, b.vendor, 99_000);
    await payCash(app, b.key, 98_000);
    await payCash(app, a.key, 1_000);
    await stream.waitForPayments(1);
    await quietFor(1200);
    stream.close();
    expect(stream.payments().map((m) => m.json.amount)).toEqual([1_000]);
  });

  it('refuses a malformed cursor', async () => {
    const { vendor, key } = await vendorWithKey(app);
    const res = await app.api('GET', `/v1/payees/${vendor.id}/events?after=-1`, undefined, key);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });
});

describe('the payee of a stall with no payments yet', () => {
  it('starts at 0 and a payment to a new payee gets number 1', async () => {
    const { commune, key } = await vendorWithKey(app);
    const second = await createPayee(app, commune.hamlets[1]!);
    const secondKey = await createKey(app, { role: 'payee', payeeId: second.id });
    const stream = await openStream(app, `/v1/payees/${second.id}/events`, secondKey);
    expect(await stream.waitForReady()).toEqual({ after: 0 });
    await payCash(app, key, 5_000);
    await payCash(app, secondKey, 6_000);
    expectSeqs(await stream.waitForPayments(1), [1]);
    stream.close();
  });
});
