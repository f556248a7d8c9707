import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeCallbackEvents } from '../../../src/callbacks/store.js';
import { queryRows } from '../../../src/db/client.js';
import { ingestEventsJob } from '../../../src/transactions/jobs.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import {
  countRows,
  createRequest,
  genericCallback,
  getRequest,
  postCallback,
  secrets,
  sepayCallback,
  transactionsOf,
} from '../../support/callback-factories.js';
import { createCommune, createPayee } from '../../support/factories.js';

// The ingest job records and matches a whole batch of events in one database transaction. These tests
// run the job by hand (no background work) on batches that hold events which depend on each other, and
// check the outcome is the one the events would have had one after another.
let app: TestApp;
let commune: Awaited<ReturnType<typeof createCommune>>;
beforeAll(async () => {
  app = await startTestApp({ env: secrets, work: false });
  commune = await createCommune(app);
});
afterAll(() => app?.close());

/** Posts callbacks (stored, not processed) and returns their event ids, in arrival order. */
async function store(...callbacks: [string, ReturnType<typeof sepayCallback>][]): Promise<number[]> {
  const ids: number[] = [];
  for (const [provider, signed] of callbacks) {
    expect((await postCallback(app, provider, signed)).status).toBe(200);
    const [row] = await queryRows<{ id: number }>(
      app.deps.db,
      sql`select id from callback_events order by id desc limit 1`,
    );
    ids.push(Number(row!.id));
  }
  return ids;
}

describe('one batch, events that depend on each other', () => {
  it('payments of one request, the same credit from two providers and a stall sale, in one job', async () => {
    const school = await createPayee(app, commune.commune, { kind: 'school', stallNo: undefined });
    const stall = await createPayee(app, commune.hamlets[0]!);
    const r = await createRequest(app, school, commune.hamlets[0]!, 300_000, { payerRef: 'HS1' });
    const bookedAt = new Date();
    const vn = new Date(bookedAt.getTime() + 7 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
    const ids = await store(
      [
        'sepay',
        sepayCallback({
          accountNumber: school.accountNumber,
          transferAmount: 100_000,
          content: `IBFT ${r.reference} dot 1`,
        }),
      ],
      [
        'sepay',
        sepayCallback({
          accountNumber: school.accountNumber,
          transferAmount: 200_000,
          content: `${r.reference} dot 2`,
        }),
      ],
      [
        'sepay',
        sepayCallback({
          accountNumber: school.accountNumber,
          transferAmount: 300_000,
          content: `${r.reference} tra lai`,
        }),
      ],
      [
        'sepay',
        sepayCallback({
          accountNumber: stall.accountNumber,
          transferAmount: 45_000,
          content: 'MBVCB.77.NGUYEN VAN C mua rau',
          transactionDate: vn,
        }),
      ],
      [
        'generic',
        genericCallback({
          accountNumber: stall.accountNumber,
          amount: 45_000,
          description: 'NGUYEN VAN C MUA RAU',
          bookedAt: new Date(bookedAt.getTime() + 60_000).toISOString(),
        }),
      ],
    );
    await ingestEventsJob.handle({ v: 1, eventIds: ids }, app.deps);

    expect(await getRequest(app, r.id)).toMatchObject({ status: 'overpaid', paidAmount: 600_000 });
    const schoolTxs = await transactionsOf(app, school.accountNumber);
    const byAmount = new Map(schoolTxs.map((t) => [t.amount, t]));
    expect(byAmount.get(100_000)).toMatchObject({ status: 'partial', refundDue: false });
    expect(byAmount.get(200_000)).toMatchObject({ status: 'matched', refundDue: false });
    expect(byAmount.get(300_000)).toMatchObject({
      status: 'duplicate',
      refundDue: true,
      refundAmount: 300_000,
    });
    // The request's history moved one payment at a time.
    const history = await queryRows<{ from_status: string | null; to_status: string; paid_amount: number }>(
      app.deps.db,
      sql`select from_status, to_status, paid_amount::int8 as paid_amount from payment_request_events
          where payment_request_id = ${r.id} order by id`,
    );
    expect(history.map((h) => [h.from_status, h.to_status, Number(h.paid_amount)])).toEqual([
      [null, 'open', 0],
      ['open', 'partially_paid', 100_000],
      ['partially_paid', 'paid', 300_000],
      ['paid', 'overpaid', 600_000],
    ]);

    // Two providers, one credit: one transaction with two sources, allocated once.
    const stallTxs = await transactionsOf(app, stall.accountNumber);
    expect(stallTxs).toHaveLength(1);
    expect(stallTxs[0]).toMatchObject({ status: 'matched', allocatedAmount: 45_000 });
    expect(await countRows(app, 'transaction_sources', sql`transaction_id = ${stallTxs[0].id}`)).toBe(2);

    // The payees' live events: one per allocation, numbered 1, 2, 3 in arrival order.
    const events = await queryRows<{ seq: number; amount: number; refund_due: boolean }>(
      app.deps.db,
      sql`select seq, amount::int8 as amount, refund_due from payee_events where payee_id = ${school.id} order by seq`,
    );
    expect(events.map((e) => [Number(e.seq), Number(e.amount)])).toEqual([
      [1, 100_000],
      [2, 200_000],
      [3, 300_000],
    ]);
    expect(await countRows(app, 'payee_events', sql`payee_id = ${stall.id}`)).toBe(1);

    // Rollups count the two payments of the request and the sale, not the duplicate.
    const [rollup] = await queryRows<{ count: number; value: number }>(
      app.deps.db,
      sql`select coalesce(sum(count), 0)::int8 as count, coalesce(sum(value), 0)::int8 as value
          from payee_rollups where payee_id in (${school.id}, ${stall.id})`,
    );
    expect([Number(rollup!.count), Number(rollup!.value)]).toEqual([3, 345_000]);

    // The job again changes nothing.
    await ingestEventsJob.handle({ v: 1, eventIds: ids }, app.deps);
    expect(await countRows(app, 'allocations', sql`payee_id in (${school.id}, ${stall.id})`)).toBe(4);
    expect(await getRequest(app, r.id)).toMatchObject({ paidAmount: 600_000 });
  });

  it('two payments in one batch that both fit a credit reported without codes: the first joins it', async () => {
    // Another channel reported one of them first with the codes cut away. One after another, the first
    // payment joins that credit (which then carries its code) and the second is a payment of its own.
    const school = await createPayee(app, commune.commune, { kind: 'school', stallNo: undefined });
    const first = await createRequest(app, school, commune.hamlets[0]!, 120_000, { payerRef: 'HS-A' });
    const second = await createRequest(app, school, commune.hamlets[0]!, 120_000, { payerRef: 'HS-B' });
    const [cut] = await store([
      'generic',
      genericCallback({ accountNumber: school.accountNumber, amount: 120_000, description: 'LE VAN D' }),
    ]);
    await ingestEventsJob.handle({ v: 1, eventIds: [cut!] }, app.deps);
    const ids = await store(
      [
        'sepay',
        sepayCallback({
          accountNumber: school.accountNumber,
          transferAmount: 120_000,
          content: `${first.reference} LE VAN D hoc phi`,
        }),
      ],
      [
        'sepay',
        sepayCallback({
          accountNumber: school.accountNumber,
          transferAmount: 120_000,
          content: `${second.reference} LE VAN D hoc phi`,
        }),
      ],
    );
    await ingestEventsJob.handle({ v: 1, eventIds: ids }, app.deps);

    const txs = await transactionsOf(app, school.accountNumber);
    expect(txs).toHaveLength(2);
    expect(txs.map((t) => t.status)).toEqual(['matched', 'matched']);
    const sources = await queryRows<{ channel: string }>(
      app.deps.db,
      sql`select s.channel from transaction_sources s join transactions t on t.id = s.transaction_id
          where t.account_number = ${school.accountNumber} order by s.channel`,
    );
    expect(sources.map((s) => s.channel)).toEqual(['callback:generic', 'callback:sepay', 'callback:sepay']);
    expect(await getRequest(app, first.id)).toMatchObject({ status: 'paid' });
    expect(await getRequest(app, second.id)).toMatchObject({ status: 'paid' });
  });

  it('batches storing the same deliveries in opposite orders at once each store them once, without deadlock', async () => {
    // A provider retrying while its first delivery is still being stored puts one event in two batches.
    for (let round = 0; round < 5; round++) {
      const events = Array.from({ length: 60 }, (_, i) => ({
        provider: 'generic',
        rawBody: '{}',
        credit: {
          providerEventId: `overlap-${round}-${i}-${Date.now()}`,
          direction: 'in' as const,
          accountNumber: '000111222',
          amount: 10_000 + i,
          memo: 'chuyen tien',
          bookedAt: new Date().toISOString(),
        },
      }));
      const results = await Promise.all([
        storeCallbackEvents(app.deps.db, events),
        storeCallbackEvents(app.deps.db, [...events].reverse()),
        storeCallbackEvents(app.deps.db, [...events.slice(30), ...events.slice(0, 30)]),
      ]);
      const stored = results.flat().filter((r) => !r.duplicate).length;
      expect(stored).toBe(60);
    }
  });

  it('overlapping batches at once record and count every event once', async () => {
    const stall = await createPayee(app, commune.hamlets[1]!);
    const callbacks = Array.from(
      { length: 12 },
      (_, i) =>
        [
          'sepay',
          sepayCallback({
            accountNumber: stall.accountNumber,
            transferAmount: 10_000 + (i % 3) * 1_000,
            content: `MBVCB.${i}.khach ${i} mua hang`,
          }),
        ] as [string, ReturnType<typeof sepayCallback>],
    );
    const ids = await store(...callbacks);
    await Promise.all([
      ingestEventsJob.handle({ v: 1, eventIds: ids }, app.deps),
      ingestEventsJob.handle({ v: 1, eventIds: [...ids].reverse() }, app.deps),
      ingestEventsJob.handle({ v: 1, eventIds: ids.slice(3, 9) }, app.deps),
    ]);
    const txs = await transactionsOf(app, stall.accountNumber);
    expect(txs).toHaveLength(12);
    expect(new Set(txs.map((t) => t.status))).toEqual(new Set(['matched']));
    expect(await countRows(app, 'allocations', sql`payee_id = ${stall.id}`)).toBe(12);
    const seqs = await queryRows<{ seq: number }>(
      app.deps.db,
      sql`select seq from payee_events where payee_id = ${stall.id} order by seq`,
    );
    expect(seqs.map((s) => Number(s.seq))).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const [rollup] = await queryRows<{ count: number }>(
      app.deps.db,
      sql`select coalesce(sum(count), 0)::int8 as count from payee_rollups where payee_id = ${stall.id}`,
    );
    expect(Number(rollup!.count)).toBe(12);
  });
});
