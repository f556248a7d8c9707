import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../support/app.js';
import {
  createRequest,
  getRequest,
  postCallback,
  secrets,
  sepayCallback,
  setRequestStatus,
  settle,
  transactionsOf,
} from '../../support/callback-factories.js';
import { createCommune, createKey, createPayee } from '../../support/factories.js';

let app: TestApp;
let commune: Awaited<ReturnType<typeof createCommune>>;
let other: Awaited<ReturnType<typeof createCommune>>;
beforeAll(async () => {
  app = await startTestApp({ env: secrets });
  commune = await createCommune(app);
  other = await createCommune(app);
});
afterAll(() => app?.close());

async function unmatchedCredit(amount: number, memo = 'chuyen tien hoc phi') {
  const payee = await createPayee(app, commune.commune, { kind: 'school', stallNo: undefined });
  await postCallback(
    app,
    'sepay',
    sepayCallback({ accountNumber: payee.accountNumber, transferAmount: amount, content: memo }),
  );
  await settle(app);
  const [t] = await transactionsOf(app, payee.accountNumber);
  expect(t.status).toBe('unmatched');
  return { payee, t };
}

describe('manual allocation', () => {
  it('splits one transaction across two requests, each audited, and never over-allocates', async () => {
    const { payee, t } = await unmatchedCredit(500_000, 'hoc phi hai chau');
    const a = await createRequest(app, payee, commune.hamlets[0]!, 300_000);
    const b = await createRequest(app, payee, commune.hamlets[0]!, 200_000);
    const first = await app.api('POST', `/v1/transactions/${t.id}/allocate`, {
      paymentRequestId: a.id,
      amount: 300_000,
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      status: 'partial',
      allocatedAmount: 300_000,
      unallocatedAmount: 200_000,
    });
    const over = await app.api('POST', `/v1/transactions/${t.id}/allocate`, {
      paymentRequestId: b.id,
      amount: 200_001,
    });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe('over_allocation');
    // Without an amount, the rest is allocated.
    const rest = await app.api('POST', `/v1/transactions/${t.id}/allocate`, { paymentRequestId: b.id });
    expect(rest.status).toBe(201);
    expect(rest.body).toMatchObject({ status: 'matched', allocatedAmount: 500_000, unallocatedAmount: 0 });
    expect(
      rest.body.allocations.map((x: { amount: number; source: string }) => [x.amount, x.source]),
    ).toEqual([
      [300_000, 'manual'],
      [200_000, 'manual'],
    ]);
    expect(rest.body.history.map((h: { action: string }) => h.action)).toEqual([
      'transaction.allocate',
      'transaction.allocate',
    ]);
    expect(rest.body.history[0].actor).toMatch(/^key:/);
    expect((await getRequest(app, a.id)).status).toBe('paid');
    expect((await getRequest(app, b.id)).status).toBe('paid');
    const none = await app.api('POST', `/v1/transactions/${t.id}/allocate`, {
      paymentRequestId: b.id,
      amount: 1,
    });
    expect(none.body.error.code).toBe('over_allocation');
  });

  it('a retried allocation with the same Idempotency-Key is done once', async () => {
    const { payee, t } = await unmatchedCredit(45_000);
    const r = await createRequest(app, payee, commune.hamlets[0]!, 45_000);
    const headers = { 'idempotency-key': `alloc-${t.id}` };
    const body = { paymentRequestId: r.id, amount: 20_000 };
    const first = await app.api('POST', `/v1/transactions/${t.id}/allocate`, body, undefined, headers);
    const again = await app.api('POST', `/v1/transactions/${t.id}/allocate`, body, undefined, headers);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const detail = await app.api('GET', `/v1/transactions/${t.id}`);
    expect(detail.body).toMatchObject({ allocatedAmount: 20_000, status: 'partial' });
    expect(detail.body.history).toHaveLength(1);
  });

  it('concurrent allocations of the same transaction never exceed it', async () => {
    const { payee, t } = await unmatchedCredit(100_000);
    const reqs = await Promise.all(
      [1, 2, 3, 4].map(() => createRequest(app, payee, commune.hamlets[0]!, 100_000)),
    );
    const results = await Promise.all(
      reqs.map((r) =>
        app.api('POST', `/v1/transactions/${t.id}/allocate`, { paymentRequestId: r.id, amount: 60_000 }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(3);
    const detail = await app.api('GET', `/v1/transactions/${t.id}`);
    expect(detail.body.allocatedAmount).toBe(60_000);
  });

  it('refuses an unknown request, a cancelled request and bad input without changing anything', async () => {
    const { payee, t } = await unmatchedCredit(10_000);
    const unknown = await app.api('POST', `/v1/transactions/${t.id}/allocate`, {
      paymentRequestId: '00000000-0000-4000-8000-000000000000',
    });
    expect(unknown.status).toBe(422);
    const bad = await app.api('POST', `/v1/transactions/${t.id}/allocate`, {
      paymentRequestId: 'x',
      amount: -1,
      extra: 1,
    });
    expect(bad.status).toBe(400);
    const r = await createRequest(app, payee, commune.hamlets[0]!, 10_000);
    await setRequestStatus(app, r.id, 'cancelled');
    const cancelled = await app.api('POST', `/v1/transactions/${t.id}/allocate`, { paymentRequestId: r.id });
    expect(cancelled.status).toBe(409);
    expect(cancelled.body.error.code).toBe('request_not_payable');
    const after = await app.api('GET', `/v1/transactions/${t.id}`);
    expect(after.body).toMatchObject({ status: 'unmatched', allocatedAmount: 0, history: [] });
  });
});

describe('ignore', () => {
  it('sets a transaction aside with a reason, audited; an allocated one cannot be ignored', async () => {
    const { t } = await unmatchedCredit(7_000, 'tien thua');
    const short = await app.api('POST', `/v1/transactions/${t.id}/ignore`, { reason: '' });
    expect(short.status).toBe(400);
    const res = await app.api('POST', `/v1/transactions/${t.id}/ignore`, {
      reason: 'Test transfer by the bank',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ignored', ignoreReason: 'Test transfer by the bank' });
    expect(res.body.history).toMatchObject([
      { action: 'transaction.ignore', details: { reason: 'Test transfer by the bank' } },
    ]);
    const listed = await app.api('GET', '/v1/transactions?status=ignored');
    expect(listed.body.items.map((x: { id: string }) => x.id)).toContain(t.id);

    const { payee, t: t2 } = await unmatchedCredit(8_000);
    const r = await createRequest(app, payee, commune.hamlets[0]!, 8_000);
    await app.api('POST', `/v1/transactions/${t2.id}/allocate`, { paymentRequestId: r.id });
    const refused = await app.api('POST', `/v1/transactions/${t2.id}/ignore`, { reason: 'changed my mind' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('has_allocations');
  });
});

describe('scope', () => {
  it('staff see and act on their commune only; payee keys see their own and may not act', async () => {
    const { payee, t } = await unmatchedCredit(9_000);
    const staff = await createKey(app, { role: 'staff', unitCode: commune.commune });
    const outsider = await createKey(app, { role: 'staff', unitCode: other.commune });
    const own = await createKey(app, { role: 'payee', payeeId: payee.id });
    expect((await app.api('GET', `/v1/transactions/${t.id}`, undefined, staff)).status).toBe(200);
    expect((await app.api('GET', `/v1/transactions/${t.id}`, undefined, own)).status).toBe(200);
    expect((await app.api('GET', `/v1/transactions/${t.id}`, undefined, outsider)).status).toBe(404);
    const outsiderList = await app.api('GET', '/v1/transactions', undefined, outsider);
    expect(outsiderList.body.items.map((x: { id: string }) => x.id)).not.toContain(t.id);
    const ignoreAsPayee = await app.api(
      'POST',
      `/v1/transactions/${t.id}/ignore`,
      { reason: 'not mine' },
      own,
    );
    expect(ignoreAsPayee.status).toBe(403);
    const ignoreAsOutsider = await app.api(
      'POST',
      `/v1/transactions/${t.id}/ignore`,
      { reason: 'not mine' },
      outsider,
    );
    expect(ignoreAsOutsider.status).toBe(404);
    const r = await createRequest(app, payee, commune.hamlets[0]!, 9_000);
    const ok = await app.api('POST', `/v1/transactions/${t.id}/allocate`, { paymentRequestId: r.id }, staff);
    expect(ok.status).toBe(201);
    expect((await app.api('GET', '/v1/transactions', undefined, null)).status).toBe(401);
    expect((await app.api('GET', '/v1/transactions?payeeId=not-a-uuid')).status).toBe(400);
    expect((await app.api('GET', '/v1/transactions/not-a-uuid')).status).toBe(404);
  });
});
