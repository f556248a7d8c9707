import { sql } from 'drizzle-orm';
import { type DbOrTx, queryRows } from '../db/client.js';
import type { NormalizedCredit } from './types.js';

/**
 * Stores a verified callback and its outbox row in ONE statement (so one implicit transaction and one
 * round trip on the hot path). A repeated delivery inserts neither and returns `duplicate: true`.
 */
export async function storeCallbackEvent(
  db: DbOrTx,
  provider: string,
  credit: NormalizedCredit,
  rawBody: string,
): Promise<{ duplicate: boolean }> {
  const [result] = await storeCallbackEvents(db, [{ provider, credit, rawBody }]);
  return result!;
}

export type IncomingEvent = { provider: string; credit: NormalizedCredit; rawBody: string };

/**
 * Stores many callbacks (event + outbox row each) in one statement and one commit. The rows travel as
 * one JSON parameter, so the statement text is the same whatever the batch size (prepared once).
 * Duplicates (already stored, or twice in the batch) insert nothing.
 */
export async function storeCallbackEvents(
  db: DbOrTx,
  events: IncomingEvent[],
): Promise<{ duplicate: boolean }[]> {
  const rows = events.map((e) => ({
    provider: e.provider,
    provider_event_id: noNul(e.credit.providerEventId),
    raw_body: noNul(e.rawBody),
    credit: Object.fromEntries(
      Object.entries(e.credit).map(([k, v]) => [k, typeof v === 'string' ? noNul(v) : v]),
    ),
  }));
  const inserted = await queryRows<{ provider: string; provider_event_id: string }>(
    db,
    sql`with ev as (
          insert into callback_events (provider, provider_event_id, raw_body, credit)
          select provider, provider_event_id, raw_body, credit
          from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
            as x(provider text, provider_event_id text, raw_body text, credit jsonb)
          -- Concurrent batches can hold the same deliveries (a provider's retry): inserting in one key
          -- order makes them wait on each other instead of deadlocking (seen under load: 40P01).
          order by provider, provider_event_id
          on conflict (provider, provider_event_id) do nothing
          returning id, provider, provider_event_id
        ), ob as (
          insert into outbox (topic, ref_id) select 'callback', id from ev
        )
        select provider, provider_event_id from ev`,
  );
  const fresh = new Set(inserted.map((r) => `${r.provider}\u0000${r.provider_event_id}`));
  return events.map((e) => {
    const key = `${e.provider}\u0000${noNul(e.credit.providerEventId)}`;
    const isNew = fresh.delete(key);
    return { duplicate: !isNew };
  });
}

/**
 * Postgres text and jsonb cannot hold U+0000, and jsonb refuses a lone UTF-16 surrogate (a "\ud800"
 * escape in a signed JSON body reaches us as one): such a callback must not fail the batch it travels
 * in, nor be refused forever (its provider would retry it for days). Lone surrogates become U+FFFD.
 * Found by test/integration/fuzz.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const noNul = (s: string) => {
  const t = s.includes('\u0000') ? s.replaceAll('\u0000', '') : s;
  return /[\uD800-\uDFFF]/.test(t) ? t.replace(LONE_SURROGATE, '\uFFFD') : t;
};

/**
 * Natural batching for the ingest path (group commit): while one batch is being committed, arriving
 * callbacks wait and go together in the next statement. A lone callback is written at once, so there is
 * no added latency at low load; under load, one commit (one fsync) carries many callbacks. Every caller
 * is answered only after the commit that holds its event, or gets the error that failed it.
 */
export class IngestBatcher {
  private queue: {
    event: IncomingEvent;
    resolve: (r: { duplicate: boolean }) => void;
    reject: (e: unknown) => void;
  }[] = [];
  private inFlight = 0;

  constructor(
    private readonly db: DbOrTx,
    private readonly maxBatch = 500,
    private readonly maxInFlight = 4,
  ) {}

  store(event: IncomingEvent): Promise<{ duplicate: boolean }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      this.pump();
    });
  }

  private pump() {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      storeCallbackEvents(
        this.db,
        batch.map((b) => b.event),
      )
        .then(
          (results) => {
            for (const [i, b] of batch.entries()) b.resolve(results[i]!);
          },
          (err) => {
            for (const b of batch) b.reject(err);
          },
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}

const batchers = new WeakMap<object, IngestBatcher>();

/** The batcher of this database handle (one per app). */
export function ingestBatcher(db: DbOrTx): IngestBatcher {
  let b = batchers.get(db);
  if (!b) {
    b = new IngestBatcher(db);
    batchers.set(db, b);
  }
  return b;
}

export type StoredEvent = {
  id: number;
  provider: string;
  providerEventId: string;
  credit: NormalizedCredit;
};

export async function loadCallbackEvents(db: DbOrTx, ids: number[]): Promise<StoredEvent[]> {
  if (ids.length === 0) return [];
  const rows = await queryRows<{ id: number; provider: string; provider_event_id: string; credit: unknown }>(
    db,
    sql`select id, provider, provider_event_id, credit from callback_events
        where id in (${sql.join(
          ids.map((i) => sql`${i}`),
          sql`, `,
        )}) order by id`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    provider: r.provider,
    providerEventId: r.provider_event_id,
    credit: (typeof r.credit === 'string' ? JSON.parse(r.credit) : r.credit) as NormalizedCredit,
  }));
}

/**
 * Events that never became a transaction, older than `olderThanS` (a job lost with an in-process queue,
 * a worker killed mid-batch): the sweep feeds them through again.
 */
export async function findUnprocessedEvents(
  db: DbOrTx,
  olderThanS: number,
  limit: number,
): Promise<number[]> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`select e.id from callback_events e
        where e.received_at < now() - make_interval(secs => ${olderThanS})
          and e.received_at > now() - interval '14 days'
          and not exists (select 1 from transaction_sources s where s.callback_event_id = e.id)
          and not exists (select 1 from outbox o where o.topic = 'callback' and o.ref_id = e.id)
        order by e.id limit ${limit}`,
  );
  return rows.map((r) => Number(r.id));
}
