import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCallbackEvents } from '../../../src/callbacks/store.js';
import { queryRows } from '../../../src/db/client.js';
import { startBackground } from '../../../src/jobs/registry.js';
import { sweep } from '../../../src/reconciliation/sweep.js';
import { ingestEventsJob } from '../../../src/transactions/jobs.js';
import { matchTransaction } from '../../../src/transactions/matcher.js';
import { recordCredit } from '../../../src/transactions/record.js';
import { backend, startTestApp, type TestApp } from '../../support/app.js';
import {
  countRows,
  postCallback,
  secrets,
  sepayCallback,
  settle,
  transactionsOf,
} from '../../support/callback-factories.js';
import { createCommune, createPayee } from '../../support/factories.js';
import { privateRedis, until } from '../../support/reliability-processes.js';

async function stalls(app: TestApp) {
  const { hamlets } = await createCommune(app);
  return createPayee(app, hamlets[0]!);
}

describe('queue down: callbacks are still accepted and flow when it returns', () => {
  // Postgres project: a Redis of our own that we stop and start again. Embedded project (no Redis at
  // all): the job runner is not started until later, which is the same situation for the ingest path.
  const redis = privateRedis();
  let app: TestApp;
  const sharedRedis = process.env.REDIS_URL;
  beforeAll(async () => {
    if (backend === 'postgres') {
      await redis.start();
      process.env.REDIS_URL = redis.url;
    }
    app = await startTestApp({ env: secrets, work: backend === 'postgres' });
  });
  afterAll(async () => {
    await app?.close();
    await redis.destroy();
    if (sharedRedis === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = sharedRedis;
  });

  it('answers 200 while the queue is away, keeps the events in the outbox, and matches them once it is back', async () => {
    const stall = await stalls(app);
    if (backend === 'postgres') await redis.stop();
    const sent = [];
    for (let i = 0; i < 5; i++) {
      const res = await postCallback(
        app,
        'sepay',
        sepayCallback({ accountNumber: stall.accountNumber, transferAmount: 10_000 + i }),
      );
      expect(res.status).toBe(200);
      sent.push(res);
    }
    // Nothing can be relayed yet: the events wait in Postgres.
    await new Promise((r) => setTimeout(r, 600));
    expect(await countRows(app, 'outbox')).toBeGreaterThanOrEqual(5);
    expect(await transactionsOf(app, stall.accountNumber)).toHaveLength(0);

    if (backend === 'postgres') await redis.start();
    else await startBackground(app.deps, 'all');
    // The scheduled relay picks them up by itself.
    await until(
      async () =>
        (await transactionsOf(app, stall.accountNumber)).filter((t) => t.status === 'matched').length === 5,
    );
    expect(await countRows(app, 'outbox')).toBe(0);
  });
});

describe('crashes and repeats', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: secrets, work: false });
  });
  afterAll(() => app?.close());

  async function storedEvent(account: string, amount: number) {
    expect(
      (await postCallback(app, 'sepay', sepayCallback({ accountNumber: account, transferAmount: amount })))
        .status,
    ).toBe(200);
    const [row] = await queryRows<{ id: number }>(
      app.deps.db,
      sql`select id from callback_events order by id desc limit 1`,
    );
    const [event] = await loadCallbackEvents(app.deps.db, [Number(row!.id)]);
    return event!;
  }

  it('a worker killed after recording the transaction but before matching it ends correct when the job runs again', async () => {
    const stall = await stalls(app);
    const e = await storedEvent(stall.accountNumber, 31_000);
    // Step 1 commits, then the worker "dies" before step 2.
    const c = e.credit;
    const first = await recordCredit(app.deps.db, {
      channel: `callback:${e.provider}`,
      sourceRef: e.providerEventId,
      callbackEventId: e.id,
      direction: c.direction,
      accountNumber: c.accountNumber,
      amount: c.amount,
      memo: c.memo,
      bookedAt: new Date(c.bookedAt),
    });
    expect(first).toMatchObject({ outcome: 'created', status: 'pending' });
    // The job is retried (twice, even at once): one transaction, one allocation.
    await Promise.all([
      ingestEventsJob.handle({ v: 1, eventIds: [e.id] }, app.deps),
      ingestEventsJob.handle({ v: 1, eventIds: [e.id] }, app.deps),
    ]);
    await ingestEventsJob.handle({ v: 1, eventIds: [e.id] }, app.deps);
    const txs = await transactionsOf(app, stall.accountNumber);
    expect(txs).toHaveLength(1);
    expect(txs[0]).toMatchObject({ status: 'matched', allocatedAmount: 31_000 });
    expect(await countRows(app, 'allocations', sql`transaction_id = ${txs[0].id}`)).toBe(1);
  });

  it('matching the same transaction concurrently allocates once', async () => {
    const stall = await stalls(app);
    const e = await storedEvent(stall.accountNumber, 32_000);
    const c = e.credit;
    const { transactionId } = await recordCredit(app.deps.db, {
      channel: `callback:${e.provider}`,
      sourceRef: e.providerEventId,
      callbackEventId: e.id,
      direction: c.direction,
      accountNumber: c.accountNumber,
      amount: c.amount,
      memo: c.memo,
      bookedAt: new Date(c.bookedAt),
    });
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () => matchTransaction(app.deps.db, transactionId)),
    );
    expect(new Set(outcomes)).toEqual(new Set(['matched']));
    expect(await countRows(app, 'allocations', sql`transaction_id = ${transactionId}`)).toBe(1);
  });

  it('an event whose job was lost (relayed, then the process died) is picked up by the sweep', async () => {
    const stall = await stalls(app);
    await storedEvent(stall.accountNumber, 33_000);
    // The relay deleted the outbox row and the in-memory job died with the process.
    await app.deps.db.execute(sql`delete from outbox`);
    expect(await transactionsOf(app, stall.accountNumber)).toHaveLength(0);
    const swept = await sweep(app.deps, { minAgeS: 0 });
    expect(swept.events).toBeGreaterThanOrEqual(1);
    await startBackground(app.deps, 'all');
    await settle(app);
    const [t] = await transactionsOf(app, stall.accountNumber);
    expect(t).toMatchObject({ status: 'matched', amount: 33_000 });
  });
});

describe('database down', () => {
  it('answers 5xx so the provider retries, and never 2xx', async () => {
    const app = await startTestApp({ env: secrets });
    await app.deps.database.close();
    const res = await postCallback(app, 'sepay', sepayCallback({}));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('unavailable');
    // The database is already closed; closing the rest must not fail the test.
    app.deps.database.close = async () => {};
    await app.close().catch(() => {});
  });
});
