import * as jsqrModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expirePaymentRequestsJob } from '../../../src/payment-requests/jobs.js';
import { decodeVietQr } from '../../../src/vietqr/payload.js';
import { isValidReferenceCode } from '../../../src/vietqr/reference-code.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { createCommune, createKey, createPayee } from '../../support/factories.js';
import { createRequest, createSchool, getRaw, scanQrSvg } from '../../support/payment-request-factories.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

type JsQr = (d: Uint8ClampedArray, w: number, h: number) => { data: string } | null;
const jsqr = jsqrModule as unknown as { default: JsQr & { default?: JsQr } };
const jsQR: JsQr = jsqr.default.default ?? jsqr.default;

describe('issuing a payment request', () => {
  it('gets a reference carried first in a dynamic VietQR with its amount', async () => {
    const { commune } = await createCommune(app);
    const school = await createSchool(app, commune);
    const res = await app.api('POST', '/v1/payment-requests', {
      payeeId: school.id,
      amount: 1_500_000,
      category: 'school_fee',
      purpose: 'Học phí tháng 9 – lớp 6A',
      payerRef: 'HS0001',
      payerName: 'Nguyễn Văn An',
      payerGroup: '6A',
      expiresAt: '2099-09-30',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(isValidReferenceCode(res.body.reference)).toBe(true);
    expect(res.body).toMatchObject({
      status: 'open',
      amount: 1_500_000,
      paidAmount: 0,
      outstanding: 1_500_000,
      payerGroup: '6A',
      expiresAt: '2099-09-30T17:00:00.000Z',
      qrPurpose: `${res.body.reference} Hoc phi thang`,
    });
    const decoded = decodeVietQr(res.body.payload);
    expect(decoded.ok && decoded.value).toMatchObject({
      dynamic: true,
      bin: school.bankBin,
      account: school.accountNumber,
      amount: '1500000',
      purpose: `${res.body.reference} Hoc phi thang`,
    });
    const byRef = await app.api('GET', `/v1/payment-requests?payerRef=HS0001&payeeId=${school.id}`);
    expect(byRef.body.items.map((r: { id: string }) => r.id)).toEqual([res.body.id]);
  });

  it('sending it again with the same externalId returns the stored request', async () => {
    const { commune } = await createCommune(app);
    const payee = await createPayee(app, commune, { kind: 'utility' });
    const body = {
      payeeId: payee.id,
      amount: 320_000,
      category: 'electricity',
      payerRef: 'PE0123',
      externalId: 'HD-2026-09-PE0123',
    };
    const first = await app.api('POST', '/v1/payment-requests', body);
    const again = await app.api('POST', '/v1/payment-requests', body);
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.id).toBe(first.body.id);
    const changed = await app.api('POST', '/v1/payment-requests', { ...body, amount: 330_000 });
    expect([changed.status, changed.body.error.code]).toEqual([409, 'external_id_conflict']);
  });

  it('requests issued at the same moment for several payees each get their own answer and history', async () => {
    const { commune } = await createCommune(app);
    const payees = [
      await createPayee(app, commune, { kind: 'utility' }),
      await createPayee(app, commune, { kind: 'utility' }),
      await createPayee(app, commune, { kind: 'utility' }),
    ];
    const bodies = Array.from({ length: 30 }, (_, i) => ({
      payeeId: payees[i % 3]!.id,
      amount: 10_000 + i,
      category: 'water',
      payerRef: `KH${i}`,
      // The same externalId for two payees is two bills; unique per payee.
      externalId: `HD-${i % 10}`,
    }));
    // One bill sent twice at once, and its externalId again with another amount.
    const twice = { payeeId: payees[0]!.id, amount: 55_000, category: 'water', externalId: 'HD-TWICE' };
    // The payees of requests issued together are read together: an unknown one and an id in capitals
    // in the same moment must each still get their own answer.
    const unknown = { payeeId: '00000000-0000-4000-8000-000000000000', amount: 12_000, category: 'water' };
    const capitals = { payeeId: payees[2]!.id.toUpperCase(), amount: 13_000, category: 'water' };
    const answers = await Promise.all(
      [...bodies, twice, twice, unknown, capitals].map((b) => app.api('POST', '/v1/payment-requests', b)),
    );
    const accountOf = new Map(payees.map((p) => [p.id, p.accountNumber]));
    for (const [i, res] of answers.slice(0, 30).entries()) {
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({ payeeId: bodies[i]!.payeeId, amount: 10_000 + i, payerRef: `KH${i}` });
      const decoded = decodeVietQr(res.body.payload);
      expect(decoded.ok && decoded.value.account).toBe(accountOf.get(bodies[i]!.payeeId));
    }
    const [unknownAnswer, capitalsAnswer] = answers.slice(32);
    expect([unknownAnswer!.status, unknownAnswer!.body.error.code]).toEqual([422, 'unknown_payee']);
    expect([capitalsAnswer!.status, capitalsAnswer!.body.payeeId]).toEqual([201, payees[2]!.id]);
    expect(new Set(answers.slice(0, 30).map((r) => r.body.reference)).size).toBe(30);
    const [a, b] = answers.slice(30, 32);
    expect([a!.status, b!.status].sort()).toEqual([200, 201]);
    expect(a!.body.id).toBe(b!.body.id);
    const conflict = await app.api('POST', '/v1/payment-requests', { ...twice, amount: 56_000 });
    expect([conflict.status, conflict.body.error.code]).toEqual([409, 'external_id_conflict']);
    // Each created request has its creation event, as one issued alone does.
    const detail = await app.api('GET', `/v1/payment-requests/${answers[7]!.body.id}`);
    expect(detail.body).toMatchObject({ externalId: 'HD-7', amount: 10_007, status: 'open' });
    expect(detail.body.history).toEqual([
      expect.objectContaining({ from: null, to: 'open', source: 'create' }),
    ]);
    // Ten each, and one more for the first (the bill sent twice) and the third (the id in capitals).
    for (const [p, count] of payees.map((p, i) => [p, i === 1 ? 10 : 11] as const)) {
      const list = await app.api('GET', `/v1/payment-requests?payeeId=${p.id}`);
      expect(list.body.items).toHaveLength(count);
    }
  });

  it('refuses bad input with a stable code and stores nothing', async () => {
    const { commune } = await createCommune(app);
    const school = await createSchool(app, commune);
    const base = { payeeId: school.id, amount: 100_000, category: 'school_fee' };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ amount: 0 }, 400, 'validation_failed'],
      [{ amount: -100_000 }, 400, 'validation_failed'],
      [{ amount: 100_000.5 }, 400, 'validation_failed'],
      [{ amount: '100000' }, 400, 'validation_failed'],
      [{ amount: 500_000_001 }, 400, 'validation_failed'],
      [{ category: 'lottery' }, 400, 'validation_failed'],
      [{ expiresAt: 'next week' }, 400, 'validation_failed'],
      [{ nickname: 'x' }, 400, 'validation_failed'],
      [{ payeeId: '00000000-0000-4000-8000-000000000000' }, 422, 'unknown_payee'],
      [{ payeeId: 'not-a-uuid' }, 422, 'unknown_payee'],
      [{ householdCode: 'HH-NOWHERE' }, 422, 'unknown_household'],
      [{ expiresAt: '2020-01-01' }, 422, 'expiry_in_past'],
      [{ expiresAt: '2020-01-01T00:00:00Z' }, 422, 'expiry_in_past'],
    ];
    for (const [change, status, code] of cases) {
      const res = await app.api('POST', '/v1/payment-requests', { ...base, ...change });
      expect([res.status, res.body.error?.code], JSON.stringify(change)).toEqual([status, code]);
    }
    const amountIssue = await app.api('POST', '/v1/payment-requests', { ...base, amount: 500_000_001 });
    expect(amountIssue.body.error.details[0].path).toBe('amount');
    const listed = await app.api('GET', `/v1/payment-requests?payeeId=${school.id}`);
    expect(listed.body.items).toEqual([]);
    const malformed = await app.api('POST', '/v1/payment-requests', '{"amount":', undefined);
    expect(malformed.status).toBe(400);
    const badFilter = await app.api('GET', '/v1/payment-requests?payeeId=not-an-id');
    expect([badFilter.status, badFilter.body.error.code]).toEqual([400, 'validation_failed']);
    expect((await app.api('GET', '/v1/cash-payments?paymentRequestId=42')).status).toBe(400);
    expect((await app.api('GET', '/v1/payment-requests/not-an-id')).status).toBe(404);
  });
});

describe('who sees and changes what', () => {
  it('a payee key sees only its own requests; staff their subtree; others get 404', async () => {
    const a = await createCommune(app);
    const b = await createCommune(app);
    const school = await createSchool(app, a.commune);
    const neighbour = await createSchool(app, a.hamlets[0]!);
    const far = await createSchool(app, b.commune);
    const mine = await createRequest(app, school.id);
    const theirs = await createRequest(app, neighbour.id);
    const farAway = await createRequest(app, far.id);

    const schoolKey = await createKey(app, { role: 'payee', payeeId: school.id });
    const staffA = await createKey(app, { role: 'staff', unitCode: a.commune });

    expect((await app.api('GET', `/v1/payment-requests/${mine.id}`, undefined, schoolKey)).status).toBe(200);
    for (const path of ['', '/history', '/qr.svg', '/qr.png']) {
      expect(
        (await app.api('GET', `/v1/payment-requests/${theirs.id}${path}`, undefined, schoolKey)).status,
        path,
      ).toBe(404);
      expect(
        (await app.api('GET', `/v1/payment-requests/${farAway.id}${path}`, undefined, staffA)).status,
        path,
      ).toBe(404);
    }
    const cancelForeign = await app.api('POST', `/v1/payment-requests/${theirs.id}/cancel`, {}, schoolKey);
    expect(cancelForeign.status).toBe(404);
    const payForeign = await app.api('POST', '/v1/cash-payments', { paymentRequestId: farAway.id }, staffA);
    expect([payForeign.status, payForeign.body.error.code]).toEqual([422, 'unknown_payment_request']);

    const own = await app.api('GET', '/v1/payment-requests', undefined, schoolKey);
    expect(own.body.items.map((r: { id: string }) => r.id)).toEqual([mine.id]);
    const asked = await app.api('GET', `/v1/payment-requests?payeeId=${neighbour.id}`, undefined, schoolKey);
    expect(asked.body.items).toEqual([]);
    const staffSees = await app.api('GET', '/v1/payment-requests', undefined, staffA);
    expect(staffSees.body.items.map((r: { id: string }) => r.id).sort()).toEqual([mine.id, theirs.id].sort());
    const summary = await app.api('GET', '/v1/payment-requests/summary?groupBy=status', undefined, schoolKey);
    expect(summary.body.total.count).toBe(1);

    // Issuing for a payee out of scope reads as unknown (422): the key cannot tell it exists.
    const forFar = await app.api(
      'POST',
      '/v1/payment-requests',
      { payeeId: far.id, amount: 1000, category: 'other' },
      staffA,
    );
    expect([forFar.status, forFar.body.error.code]).toEqual([422, 'unknown_payee']);
    const forOther = await app.api(
      'POST',
      '/v1/payment-requests',
      { payeeId: neighbour.id, amount: 1000, category: 'other' },
      schoolKey,
    );
    expect([forOther.status, forOther.body.error.code]).toEqual([422, 'unknown_payee']);
    const staffIssues = await app.api(
      'POST',
      '/v1/payment-requests',
      { payeeId: neighbour.id, amount: 1000, category: 'other' },
      staffA,
    );
    expect(staffIssues.status).toBe(201);
    expect(staffIssues.body.createdBy).toMatch(/^key:/);

    // A batch's slips and export are the batch payee's.
    const batch = await app.api('POST', '/v1/payment-requests/batch', {
      payeeId: far.id,
      category: 'other',
      items: [{ amount: 1000 }],
    });
    for (const path of ['', '/slips', '/export.csv']) {
      expect(
        (await app.api('GET', `/v1/payment-requests/batches/${batch.body.batchId}${path}`, undefined, staffA))
          .status,
      ).toBe(404);
    }
    const noKey = await app.api('GET', `/v1/payment-requests/${mine.id}`, undefined, null);
    expect(noKey.status).toBe(401);
  });

  it('a household of another commune is unknown to a payee key', async () => {
    const a = await createCommune(app);
    const b = await createCommune(app);
    await app.api('POST', '/v1/households', {
      items: [
        { code: `H-${a.commune}`, unitCode: a.hamlets[1] },
        { code: `H-${b.commune}`, unitCode: b.hamlets[0] },
      ],
    });
    const vendor = await createPayee(app, a.hamlets[0]!);
    const key = await createKey(app, { role: 'payee', payeeId: vendor.id });
    const near = await app.api(
      'POST',
      '/v1/payment-requests',
      { amount: 5000, category: 'market', householdCode: `H-${a.commune}` },
      key,
    );
    expect(near.status, JSON.stringify(near.body)).toBe(201);
    expect(near.body.unitCode).toBe(a.hamlets[1]);
    const far = await app.api(
      'POST',
      '/v1/payment-requests',
      { amount: 5000, category: 'market', householdCode: `H-${b.commune}` },
      key,
    );
    expect([far.status, far.body.error.code]).toEqual([422, 'unknown_household']);
  });
});

describe('QR images', () => {
  it('serves SVG and PNG that scan to the payload, with an ETag to revalidate', async () => {
    const { commune } = await createCommune(app);
    const school = await createSchool(app, commune);
    const request = await createRequest(app, school.id, { amount: 275_000 });
    const svg = await getRaw(app, `/v1/payment-requests/${request.id}/qr.svg`);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(svg.headers.get('cache-control')).toBe('private, no-cache');
    expect(scanQrSvg(new TextDecoder().decode(svg.bytes))).toBe(request.payload);
    const png = await getRaw(app, `/v1/payment-requests/${request.id}/qr.png?scale=6`);
    expect(png.headers.get('content-type')).toBe('image/png');
    const image = PNG.sync.read(Buffer.from(png.bytes));
    expect(jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data).toBe(request.payload);
    const etag = svg.headers.get('etag')!;
    const again = await getRaw(app, `/v1/payment-requests/${request.id}/qr.svg`, undefined, {
      'if-none-match': etag,
    });
    expect(again.status).toBe(304);
    expect((await app.api('GET', `/v1/payment-requests/${request.id}/qr.png?scale=99`)).status).toBe(400);
  });
});

describe('cancel, expiry and the status history', () => {
  it('cancels an open request once, refuses one with money on it, and records who did it', async () => {
    const { commune } = await createCommune(app);
    const school = await createSchool(app, commune);
    const key = await createKey(app, { role: 'payee', payeeId: school.id });
    const open = await createRequest(app, school.id, {}, key);
    const cancel = await app.api(
      'POST',
      `/v1/payment-requests/${open.id}/cancel`,
      { reason: 'Học sinh chuyển trường' },
      key,
    );
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    expect(cancel.body.status).toBe('cancelled');
    const twice = await app.api('POST', `/v1/payment-requests/${open.id}/cancel`, undefined, key);
    expect([twice.status, twice.body.status]).toEqual([200, 'cancelled']);
    const history = await app.api('GET', `/v1/payment-requests/${open.id}/history`, undefined, key);
    expect(history.body.items).toEqual([
      expect.objectContaining({ from: null, to: 'open', source: 'create' }),
      expect.objectContaining({
        from: 'open',
        to: 'cancelled',
        source: 'cancel',
        details: { reason: 'Học sinh chuyển trường' },
      }),
    ]);
    expect(history.body.items[1].actor).toBe(history.body.items[0].actor);
    const qr = await app.api('GET', `/v1/payment-requests/${open.id}/qr.svg`, undefined, key);
    expect([qr.status, qr.body.error.code]).toEqual([409, 'request_not_payable']);
    const cash = await app.api('POST', '/v1/cash-payments', { paymentRequestId: open.id }, key);
    expect([cash.status, cash.body.error.code]).toEqual([409, 'request_not_payable']);

    for (const [paid, status] of [
      [50_000, 'partially_paid'],
      [150_000, 'paid'],
    ] as const) {
      const r = await createRequest(app, school.id, {}, key);
      const pay = await app.api('POST', '/v1/cash-payments', { paymentRequestId: r.id, amount: paid }, key);
      expect(pay.body.paymentRequest.status).toBe(status);
      const refused = await app.api('POST', `/v1/payment-requests/${r.id}/cancel`, {}, key);
      expect([refused.status, refused.body.error.code]).toEqual([409, 'cannot_cancel']);
      expect((await app.api('GET', `/v1/payment-requests/${r.id}`, undefined, key)).body.status).toBe(status);
    }
  });

  it('the expiry job marks open requests past their expiry as expired, once, and leaves the rest', async () => {
    const { commune } = await createCommune(app);
    const school = await createSchool(app, commune);
    const soon = await createRequest(app, school.id, {
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const later = await createRequest(app, school.id, { expiresAt: '2099-01-01' });
    const partly = await createRequest(app, school.id, {
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await app.api('POST', '/v1/cash-payments', { paymentRequestId: partly.id, amount: 10_000 });
    const never = await createRequest(app, school.id);

    const inTwoHours = { ...app.deps, clock: { now: () => new Date(Date.now() + 2 * 3_600_000) } };
    await expirePaymentRequestsJob.handle({ v: 1 }, inTwoHours);
    await expirePaymentRequestsJob.handle({ v: 1 }, inTwoHours);
    const status = async (id: string) => (await app.api('GET', `/v1/payment-requests/${id}`)).body;
    expect((await status(soon.id)).status).toBe('expired');
    expect((await status(later.id)).status).toBe('open');
    expect((await status(partly.id)).status).toBe('partially_paid');
    expect((await status(never.id)).status).toBe('open');
    const history = (await status(soon.id)).history;
    expect(
      history.map((e: { from: string | null; to: string; actor: string }) => [e.from, e.to, e.actor]),
    ).toEqual([
      [null, 'open', expect.stringMatching(/^key:/)],
      ['open', 'expired', 'job:expire'],
    ]);

    const cash = await app.api('POST', '/v1/cash-payments', { paymentRequestId: soon.id });
    expect([cash.status, cash.body.error.code]).toEqual([409, 'request_not_payable']);
    const cancel = await app.api('POST', `/v1/payment-requests/${soon.id}/cancel`, {});
    expect(cancel.body.status).toBe('cancelled');
    const expiredList = await app.api(
      'GET',
      `/v1/payment-requests?payeeId=${school.id}&status=expired,cancelled`,
    );
    expect(expiredList.body.items.map((r: { id: string }) => r.id)).toEqual([soon.id]);
  });

  it('the expiry job is scheduled and runs in the background', async () => {
    const counts = await app.deps.jobs.counts();
    expect(Object.keys(counts)).toContain(expirePaymentRequestsJob.name);
  });
});
