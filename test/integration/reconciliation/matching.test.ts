import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweep } from '../../../src/reconciliation/sweep.js';
import { countReviewQueue } from '../../../src/transactions/store.js';
import { getUnit } from '../../../src/units/store.js';
import { generateReferenceCode } from '../../../src/vietqr/reference-code.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import {
  cassoCallback,
  countRows,
  createRequest,
  genericCallback,
  getRequest,
  payosCallback,
  postCallback,
  secrets,
  sepayCallback,
  setRequestStatus,
  settle,
  transactionsOf,
  uniqueId,
} from '../../support/callback-factories.js';
import { createCommune, createPayee } from '../../support/factories.js';

let app: TestApp;
let commune: Awaited<ReturnType<typeof createCommune>>;
beforeAll(async () => {
  app = await startTestApp({ env: secrets });
  commune = await createCommune(app);
});
afterAll(() => app?.close());

const school = () => createPayee(app, commune.commune, { kind: 'school', stallNo: undefined });

async function pay(account: string, amount: number, memo: string) {
  const res = await postCallback(
    app,
    'sepay',
    sepayCallback({ accountNumber: account, transferAmount: amount, content: memo }),
  );
  expect(res.status).toBe(200);
  await settle(app);
}

describe('matching by reference code', () => {
  it('exact payment → matched, the request paid', async () => {
    const payee = await school();
    const r = await createRequest(app, payee, commune.hamlets[0]!, 200_000);
    await pay(payee.accountNumber, 200_000, `MBVCB.3278907687.${r.reference}.NGUYEN VAN A chuyen tien`);
    const [t] = await transactionsOf(app, payee.accountNumber);
    expect(t).toMatchObject({
      status: 'matched',
      refundDue: false,
      allocatedAmount: 200_000,
      payeeId: payee.id,
    });
    expect((await getRequest(app, r.id)).status).toBe('paid');
  });

  it('partial payments accumulate until paid; a further payment is a duplicate flagged for refund', async () => {
    const payee = await school();
    const r = await createRequest(app, payee, commune.hamlets[0]!, 300_000);
    await pay(payee.accountNumber, 100_000, `IBFT ${r.reference} hoc phi dot 1`);
    expect((await getRequest(app, r.id)).status).toBe('partially_paid');
    await pay(payee.accountNumber, 200_000, `${r.reference.toLowerCase()} dot 2`);
    const req = await getRequest(app, r.id);
    expect(req).toMatchObject({ status: 'paid', paidAmount: 300_000 });
    // The request shows what paid it: both transfers, in the order they came.
    const detail = await app.api('GET', `/v1/payment-requests/${r.id}`);
    expect(detail.body.allocations.map((a: { amount: number }) => a.amount)).toEqual([100_000, 200_000]);
    await pay(payee.accountNumber, 300_000, `${r.reference} tra lai`);
    const txs = await transactionsOf(app, payee.accountNumber);
    expect(txs.map((t) => t.status).sort()).toEqual(['duplicate', 'matched', 'partial']);
    const dup = txs.find((t) => t.status === 'duplicate');
    expect(dup).toMatchObject({ refundDue: true, refundAmount: 300_000 });
    const flagged = await app.api('GET', `/v1/transactions?status=duplicate&payeeId=${payee.id}`);
    expect(flagged.body.items.map((t: { id: string }) => t.id)).toEqual([dup.id]);
  });

  it('overpayment → overpaid with the excess flagged for refund', async () => {
    const payee = await school();
    const r = await createRequest(app, payee, commune.hamlets[0]!, 50_000);
    await pay(payee.accountNumber, 80_000, `THANH TOAN ${r.reference}`);
    const [t] = await transactionsOf(app, payee.accountNumber);
    expect(t).toMatchObject({ status: 'overpaid', refundDue: true, refundAmount: 30_000 });
    expect((await getRequest(app, r.id)).status).toBe('overpaid');
  });

  it('memo variants banks produce still find the code', async () => {
    const payee = await school();
    const memos = [
      (c: string) => `MBVCB.3278614497.${c}.NGUYEN VAN A`,
      (c: string) => `${c.slice(0, 4)} ${c.slice(4)} hoc phi`,
      (c: string) => `IBFT ${c.toLowerCase()}-CTLNHIDI000012345678`,
      (c: string) => `Học phí ${c.split('').join('.')} – Đợt 1`,
      (c: string) => `${c}NGUYENVANACHUYENTIEN`,
    ];
    for (const memo of memos) {
      const r = await createRequest(app, payee, commune.hamlets[0]!, 10_000);
      await pay(payee.accountNumber, 10_000, memo(r.reference));
      expect((await getRequest(app, r.id)).status, memo(r.reference)).toBe('paid');
    }
  });

  it('payments to expired or cancelled requests are matched but flagged for refund', async () => {
    const payee = await school();
    const expired = await createRequest(app, payee, commune.hamlets[0]!, 40_000);
    const cancelled = await createRequest(app, payee, commune.hamlets[0]!, 60_000);
    await setRequestStatus(app, expired.id, 'expired');
    await setRequestStatus(app, cancelled.id, 'cancelled');
    await pay(payee.accountNumber, 40_000, `${expired.reference}`);
    await pay(payee.accountNumber, 60_000, `${cancelled.reference}`);
    const txs = await transactionsOf(app, payee.accountNumber);
    expect(txs).toHaveLength(2);
    for (const t of txs)
      expect(t).toMatchObject({ status: 'matched', refundDue: true, refundAmount: t.amount });
    const flagged = await app.api('GET', `/v1/transactions?refundDue=true&payeeId=${payee.id}`);
    expect(flagged.body.items.map((t: { id: string }) => t.id).sort()).toEqual(txs.map((t) => t.id).sort());
    expect((await getRequest(app, expired.id)).status).toBe('expired');
    expect((await getRequest(app, cancelled.id)).status).toBe('cancelled');
  });
});

describe('matching without a reference', () => {
  it('a credit to a stall’s account is that stall’s market sale', async () => {
    const stall = await createPayee(app, commune.hamlets[1]!);
    await pay(stall.accountNumber, 35_000, 'NGUYEN THI B chuyen tien mua ca');
    const [t] = await transactionsOf(app, stall.accountNumber);
    expect(t).toMatchObject({ status: 'matched', payeeId: stall.id, unitCode: commune.hamlets[1] });
    const detail = await app.api('GET', `/v1/transactions/${t.id}`);
    expect(detail.body.allocations).toMatchObject([
      { kind: 'market_sale', payeeId: stall.id, amount: 35_000, channel: 'qr' },
    ]);
  });

  it('a credit nobody can place is unmatched, in the review queue of the receiving payee', async () => {
    const payee = await school();
    await pay(payee.accountNumber, 12_345, 'chuyen tien');
    const unit = (await getUnit(app.deps.db, commune.commune))!;
    const before = await countReviewQueue(app.deps.db, unit.path);
    await pay(payee.accountNumber, 12_346, 'chuyen tien lan 2');
    const queue = await app.api('GET', `/v1/transactions?status=unmatched&unitCode=${commune.commune}`);
    expect(queue.body.items.map((t: { accountNumber: string }) => t.accountNumber)).toContain(
      payee.accountNumber,
    );
    // The dashboard's count of the unit's review queue follows.
    expect(await countReviewQueue(app.deps.db, unit.path)).toBe(before + 1);
  });

  it('a callback that arrives before its request is matched by the sweep once the request exists', async () => {
    const payee = await school();
    const code = generateReferenceCode();
    await pay(payee.accountNumber, 70_000, `hoc phi ${code}`);
    let [t] = await transactionsOf(app, payee.accountNumber);
    expect(t.status).toBe('unmatched');
    // The request carrying that code is issued afterwards.
    const r = await createRequest(app, payee, commune.hamlets[0]!, 70_000);
    await app.deps.db.execute(sql`update payment_requests set reference = ${code} where id = ${r.id}`);
    await sweep(app.deps, { minAgeS: 0 });
    await app.deps.jobs.drained();
    [t] = await transactionsOf(app, payee.accountNumber);
    expect(t.status).toBe('matched');
    expect((await getRequest(app, r.id)).status).toBe('paid');
  });
});

describe('two channels, one credit', () => {
  it('the same credit from SePay and the generic feed is one transaction with two sources', async () => {
    const stall = await createPayee(app, commune.hamlets[0]!);
    const memo = `NGUYEN VAN C chuyen tien ${uniqueId()}`;
    const bookedAt = new Date();
    const vn = new Date(bookedAt.getTime() + 7 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
    await postCallback(
      app,
      'sepay',
      sepayCallback({
        accountNumber: stall.accountNumber,
        transferAmount: 99_000,
        content: `MBVCB.123.${memo}`,
        transactionDate: vn,
      }),
    );
    await postCallback(
      app,
      'generic',
      genericCallback({
        accountNumber: stall.accountNumber,
        amount: 99_000,
        description: memo.toUpperCase(),
        bookedAt: new Date(bookedAt.getTime() + 90_000).toISOString(),
      }),
    );
    await settle(app);
    const txs = await transactionsOf(app, stall.accountNumber);
    expect(txs).toHaveLength(1);
    const detail = await app.api('GET', `/v1/transactions/${txs[0].id}`);
    expect(detail.body.sources.map((s: { channel: string }) => s.channel).sort()).toEqual([
      'callback:generic',
      'callback:sepay',
    ]);
    expect(detail.body.allocations).toHaveLength(1);
  });

  it('a credit first reported without its reference is matched when the channel with the reference arrives', async () => {
    const payee = await school();
    const request = await createRequest(app, payee, commune.commune, 150_000);
    const name = `TRAN THI ${uniqueId()}`;
    // The bank's own feed drops the memo down to the payer's name; the aggregator keeps the reference.
    await pay(payee.accountNumber, 150_000, name);
    const [first] = await transactionsOf(app, payee.accountNumber);
    expect(first.status).toBe('unmatched');

    const late = await postCallback(
      app,
      'generic',
      genericCallback({
        accountNumber: payee.accountNumber,
        amount: 150_000,
        description: `${request.reference} ${name} hoc phi`,
      }),
    );
    expect(late.status).toBe(200);
    await settle(app);
    const txs = await transactionsOf(app, payee.accountNumber);
    expect(txs).toHaveLength(1);
    expect(txs[0].status).toBe('matched');
    expect((await getRequest(app, request.id)).status).toBe('paid');
    expect(await countRows(app, 'allocations', sql`payment_request_id = ${request.id}`)).toBe(1);
  });

  it('a fee paid by a whole class at once: each payment from a second channel joins its own transaction', async () => {
    // More same-amount payments booked in one second than the lookup keeps by distance (20): the second
    // channel's report must still find its own credit by the reference code, not become a new payment.
    const payee = await school();
    const requests = [];
    for (let i = 0; i < 30; i++) requests.push(await createRequest(app, payee, commune.commune, 120_000));
    const bookedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const vn = new Date(bookedAt.getTime() + 7 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
    for (const r of requests) {
      const res = await postCallback(
        app,
        'sepay',
        sepayCallback({
          accountNumber: payee.accountNumber,
          transferAmount: 120_000,
          content: `${r.reference} hoc phi`,
          transactionDate: vn,
        }),
      );
      expect(res.status).toBe(200);
    }
    await settle(app);
    for (const r of [...requests].reverse()) {
      const res = await postCallback(
        app,
        'generic',
        genericCallback({
          accountNumber: payee.accountNumber,
          amount: 120_000,
          description: `MBVCB.${uniqueId()}.${r.reference} HOC PHI`,
          bookedAt: new Date(bookedAt.getTime() + 60_000).toISOString(),
        }),
      );
      expect(res.status).toBe(200);
    }
    await settle(app);
    const txs = await transactionsOf(app, payee.accountNumber);
    expect(txs).toHaveLength(30);
    expect(txs.map((t: { status: string }) => t.status)).toEqual(Array(30).fill('matched'));
    expect(
      await countRows(
        app,
        'transaction_sources',
        sql`transaction_id in (select id from transactions where account_number = ${payee.accountNumber})`,
      ),
    ).toBe(60);
    for (const r of requests) expect((await getRequest(app, r.id)).status).toBe('paid');
  });

  it('a stall’s credit reported by three channels is one transaction, however many same-price sales surround it', async () => {
    // A stall paid one price all morning through one channel (Casso): the other channels' reports of one
    // sale must find that sale past the crowd. The lookup walks per channel that first reported a credit
    // (callback:casso, then callback:sepay: found by the second step), skipping its own channel's.
    const stall = await createPayee(app, commune.hamlets[0]!);
    const at = Math.floor(Date.now() / 1000) * 1000;
    const vn = (ms: number) => new Date(ms + 7 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
    for (let i = 0; i < 25; i++) {
      const res = await postCallback(
        app,
        'casso',
        cassoCallback({
          accountNumber: stall.accountNumber,
          amount: 35_000,
          description: `tien hang ${i}`,
          transactionDateTime: vn(at - 60_000 + i * 5_000),
        }),
      );
      expect(res.status).toBe(200);
    }
    const memo = `PHO BO ${uniqueId()}`;
    const reports = [
      sepayCallback({
        accountNumber: stall.accountNumber,
        transferAmount: 35_000,
        content: memo,
        transactionDate: vn(at),
      }),
      genericCallback({
        accountNumber: stall.accountNumber,
        amount: 35_000,
        description: `CT ${memo.toUpperCase()}`,
        bookedAt: new Date(at + 20_000).toISOString(),
      }),
      payosCallback({
        accountNumber: stall.accountNumber,
        amount: 35_000,
        description: memo.toLowerCase(),
        transactionDateTime: vn(at + 40_000),
      }),
    ];
    for (const [provider, signed] of [
      ['sepay', reports[0]!],
      ['generic', reports[1]!],
      ['payos', reports[2]!],
    ] as const) {
      await settle(app);
      expect((await postCallback(app, provider, signed)).status).toBe(200);
    }
    await settle(app);
    const txs = await transactionsOf(app, stall.accountNumber);
    expect(txs).toHaveLength(26);
    const channels = await Promise.all(
      txs.map(async (t: { id: string }) =>
        (await app.api('GET', `/v1/transactions/${t.id}`)).body.sources
          .map((s: { channel: string }) => s.channel)
          .sort()
          .join(' '),
      ),
    );
    expect(channels.filter((c) => c === 'callback:casso')).toHaveLength(25);
    expect(channels).toContain('callback:generic callback:payos callback:sepay');
  });

  it('two genuine payments of the same amount from one provider stay two transactions', async () => {
    const stall = await createPayee(app, commune.hamlets[0]!);
    await postCallback(
      app,
      'sepay',
      sepayCallback({ accountNumber: stall.accountNumber, transferAmount: 20_000, content: 'chuyen tien' }),
    );
    await postCallback(
      app,
      'sepay',
      sepayCallback({ accountNumber: stall.accountNumber, transferAmount: 20_000, content: 'chuyen tien' }),
    );
    await settle(app);
    expect(await transactionsOf(app, stall.accountNumber)).toHaveLength(2);
    expect(await countRows(app, 'allocations', sql`payee_id = ${stall.id}`)).toBe(2);
  });
});
