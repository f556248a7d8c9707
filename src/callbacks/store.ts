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
): Promise<{ id: number | null; duplicate: boolean }> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`with ev as (
          insert into callback_events (provider, provider_event_id, raw_body, credit)
          values (${provider}, ${credit.providerEventId}, ${rawBody}, ${JSON.stringify(credit)}::jsonb)
          on conflict (provider, provider_event_id) do nothing
          returning id
        ), ob as (
          insert into outbox (topic, ref_id) select 'callback', id from ev
        )
        select id from ev`,
  );
  const id = rows[0]?.id ?? null;
  return { id: id === null ? null : Number(id), duplicate: id === null };
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
