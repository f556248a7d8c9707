import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPayeeEventHub } from '../../../src/events/hub.js';
import { PAYEE_EVENTS_KEEP_DAYS, prunePayeeEventsJob } from '../../../src/events/jobs.js';
import {
  eventsAfter,
  type PayeeEvent,
  payeeEventHead,
  payeeTakings,
  recordCashPaymentEvent,
} from '../../../src/events/store.js';
import { backend, startTestApp, type TestApp } from '../../support/app.js';
import { payCash, vendorWithKey } from '../../support/counter-factories.js';
import { createPayee } from '../../support/factories.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ work: false });
});
afterAll(() => app?.close());

const cashEvent = (payeeId: string, amount: number, paidAt = new Date()) => ({
  id: randomUUID(),
  payeeId,
  amount,
  saleCount: 1,
  paymentRequestId: null,
  paidAt,
});

describe('per-payee sequence numbers', () => {
  it('a payment that commits late cannot be overtaken: the next number waits for it to commit', async () => {
    const { vendor, commune } = await vendorWithKey(app);
    const other = await createPayee(app, commune.hamlets[1]!);
    if (backend === 'embedded') {
      // PGlite runs one transaction at a time (an open one holds every other query): nothing can
      // commit out of order there, and holding one open here would stall the reader below.
      expect(await recordCashPaymentEvent(app.deps.db, cashEvent(vendor.id, 1_000))).toBe(1);
      expect(await recordCashPaymentEvent(app.deps.db, cashEvent(vendor.id, 2_000))).toBe(2);
      return;
    }
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let firstRecorded!: () => void;
    const recorded = new Promise<void>((r) => {
      firstRecorded = r;
    });
    // Transaction A takes number 1 and stays open.
    const a = app.deps.db.transaction(async (tx) => {
      const seq = await recordCashPaymentEvent(tx, cashEvent(vendor.id, 1_000));
      firstRecorded();
      await gate;
      return seq;
    });
    await recorded;
    // Transaction B for the same payee starts while A is open.
    let bDone = false;
    const b = app.deps.db
      .transaction((tx) => recordCashPaymentEvent(tx, cashEvent(vendor.id, 2_000)))
      .then((seq) => {
        bDone = true;
        return seq;
      });
    // Another payee is not held up (the lock is the payee's own counter row).
    expect(await recordCashPaymentEvent(app.deps.db, cashEvent(other.id, 5_000))).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(bDone).toBe(false);
    // A reader sees nothing yet: number 1 is not committed, and number 2 does not exist.
    expect(await eventsAfter(app.deps.db, [{ payeeId: vendor.id, after: 0 }], 100)).toEqual([]);
    release();
    expect(await a).toBe(1);
    expect(await b).toBe(2);
    const seen = await eventsAfter(app.deps.db, [{ payeeId: vendor.id, after: 0 }], 100);
    expect(seen.map((e) => [e.seq, e.amount])).toEqual([
      [1, 1_000],
      [2, 2_000],
    ]);
  });

  it('a rolled-back payment gives its number back: no gaps', async () => {
    const { vendor } = await vendorWithKey(app);
    await expect(
      app.deps.db.transaction(async (tx) => {
        await recordCashPaymentEvent(tx, cashEvent(vendor.id, 1_000));
        throw new Error('the payment fails after its event was written');
      }),
    ).rejects.toThrow(/fails/);
    expect(await payeeEventHead(app.deps.db, vendor.id)).toBe(0);
    expect(await recordCashPaymentEvent(app.deps.db, cashEvent(vendor.id, 2_000))).toBe(1);
    expect(await payeeEventHead(app.deps.db, vendor.id)).toBe(1);
  });

  it('today’s takings and the head come from one snapshot; cash taken on another day is not today’s takings', async () => {
    const { vendor, key } = await vendorWithKey(app);
    await payCash(app, key, 30_000, { saleCount: 3 });
    await recordCashPaymentEvent(
      app.deps.db,
      cashEvent(vendor.id, 7_000, new Date(Date.now() - 2 * 86_400_000)),
    );
    const from = new Date(Date.now() - 3_600_000);
    const to = new Date(Date.now() + 3_600_000);
    const day = await payeeTakings(app.deps.db, vendor.id, from, to, 10);
    expect(day.head).toBe(2);
    expect(day.cash).toEqual({ count: 3, value: 30_000 });
    expect(day.cashless).toEqual({ count: 0, value: 0 });
    expect(day.recent.map((e) => e.seq)).toEqual([1]);
  });
});

describe('pruning', () => {
  it('drops old events, twice is the same as once, and numbering carries on', async () => {
    const { vendor } = await vendorWithKey(app);
    await recordCashPaymentEvent(app.deps.db, cashEvent(vendor.id, 1_000));
    await recordCashPaymentEvent(app.deps.db, cashEvent(vendor.id, 2_000));
    const later = {
      ...app.deps,
      clock: { now: () => new Date(Date.now() + (PAYEE_EVENTS_KEEP_DAYS + 1) * 86_400_000) },
    };
    await prunePayeeEventsJob.handle({ v: 1 }, later);
    await prunePayeeEventsJob.handle({ v: 1 }, later);
    expect(await eventsAfter(app.deps.db, [{ payeeId: vendor.id, after: 0 }], 100)).toEqual([]);
    expect(await recordCashPaymentEvent(app.deps.db, cashEvent(vendor.id, 3_000))).toBe(3);
  });
});

describe('the poller', () => {
  it('catches a subscriber up over several polls, each event once, and stops when nobody listens', async () => {
    const { vendor } = await vendorWithKey(app);
    for (let i = 1; i <= 7; i++) await recordCashPaymentEvent(app.deps.db, cashEvent(vendor.id, i * 100));
    const hub = createPayeeEventHub({
      db: app.deps.db,
      logger: pino({ level: 'silent' }),
      pollMs: 50,
      perPoll: 2,
    });
    const early: PayeeEvent[] = [];
    const late: PayeeEvent[] = [];
    const s1 = hub.subscribe(vendor.id, 0, (events) => early.push(...events));
    const s2 = hub.subscribe(vendor.id, 5, (events) => late.push(...events));
    expect(hub.subscribers).toBe(2);
    const until = Date.now() + 5_000;
    while (early.length < 7 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await recordCashPaymentEvent(app.deps.db, cashEvent(vendor.id, 800));
    while (early.length < 8 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    expect(early.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(late.map((e) => e.seq)).toEqual([6, 7, 8]);
    expect(s1.after).toBe(8);
    s1.close();
    s2.close();
    expect(hub.subscribers).toBe(0);
    // Nobody listens: a new event is not read (and nothing is delivered to closed subscribers).
    await recordCashPaymentEvent(app.deps.db, cashEvent(vendor.id, 900));
    await new Promise((r) => setTimeout(r, 200));
    expect(early).toHaveLength(8);
    hub.close();
  });

  it('is bounded: a full hub says so', async () => {
    const { vendor } = await vendorWithKey(app);
    const hub = createPayeeEventHub({
      db: app.deps.db,
      logger: pino({ level: 'silent' }),
      maxSubscribers: 2,
    });
    const a = hub.subscribe(vendor.id, 0, () => {});
    expect(hub.full).toBe(false);
    const b = hub.subscribe(vendor.id, 0, () => {});
    expect(hub.full).toBe(true);
    a.close();
    b.close();
    expect(hub.full).toBe(false);
    hub.close();
  });
});

describe('migration 0005 (events of payments made before the table existed)', () => {
  it('recreates a payee’s events in the order the payments were stored, and the head', async () => {
    const { readFile } = await import('node:fs/promises');
    const { sql } = await import('drizzle-orm');
    const { vendor, key } = await vendorWithKey(app);
    await payCash(app, key, 10_000);
    await payCash(app, key, 20_000, { saleCount: 2 });
    const before = await eventsAfter(app.deps.db, [{ payeeId: vendor.id, after: 0 }], 100);
    await app.deps.db.execute(sql`delete from payee_events where payee_id = ${vendor.id}`);
    await app.deps.db.execute(sql`delete from payee_event_heads where payee_id = ${vendor.id}`);
    const file = await readFile(
      new URL('../../../migrations/0005_counter_events_backfill.sql', import.meta.url),
      'utf8',
    );
    for (const statement of file.split('--> statement-breakpoint'))
      await app.deps.db.execute(sql.raw(statement));
    const after = await eventsAfter(app.deps.db, [{ payeeId: vendor.id, after: 0 }], 100);
    const shape = (e: PayeeEvent) => [
      e.seq,
      e.kind,
      e.sourceId,
      e.amount,
      e.saleCount,
      e.occurredAt.toISOString(),
    ];
    expect(after.map(shape)).toEqual(before.map(shape));
    expect(await payeeEventHead(app.deps.db, vendor.id)).toBe(2);
    // Run again: nothing doubles.
    for (const statement of file.split('--> statement-breakpoint'))
      await app.deps.db.execute(sql.raw(statement));
    expect(await eventsAfter(app.deps.db, [{ payeeId: vendor.id, after: 0 }], 100)).toHaveLength(2);
  });
});
