/**
 * One poller per API process: while at least one screen is connected it reads new payee events from
 * Postgres every POLL_MS (one indexed range scan per watched payee) and hands each subscriber the
 * events after its own cursor. Whoever wrote the event (a worker process, another API process, this
 * one) does not matter: the database is the only channel. With nobody connected it does nothing.
 */
import type { Logger } from 'pino';
import type { DbOrTx } from '../db/client.js';
import { type EventCursor, eventsAfter, type PayeeEvent } from './store.js';

export const POLL_MS = 250;
/** Events read per payee and poll; a screen further behind gets the rest on the next polls. */
export const EVENTS_PER_POLL = 200;
/** Open streams one API process serves; more get 503 and try again. */
export const MAX_SUBSCRIBERS = 5_000;
/** Payees per poll query (a VALUES list): more are read in several queries. */
const CURSORS_PER_QUERY = 500;

export type Subscriber = {
  readonly payeeId: string;
  /** The last sequence number handed to this subscriber. */
  readonly after: number;
  close(): void;
};

export type PayeeEventHub = {
  /** Calls `deliver` with every event of the payee after `after`, in order, each once. */
  subscribe(payeeId: string, after: number, deliver: (events: PayeeEvent[]) => void): Subscriber;
  readonly subscribers: number;
  readonly full: boolean;
  /** Stops polling and forgets every subscriber (they get nothing more). */
  close(): void;
};

type Sub = { payeeId: string; after: number; deliver: (events: PayeeEvent[]) => void; closed: boolean };

export function createPayeeEventHub(deps: {
  db: DbOrTx;
  logger: Logger;
  pollMs?: number;
  perPoll?: number;
  maxSubscribers?: number;
}): PayeeEventHub {
  const pollMs = deps.pollMs ?? POLL_MS;
  const perPoll = deps.perPoll ?? EVENTS_PER_POLL;
  const maxSubscribers = deps.maxSubscribers ?? MAX_SUBSCRIBERS;
  const byPayee = new Map<string, Set<Sub>>();
  let count = 0;
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  let failures = 0;
  let closed = false;
  /** A screen subscribed while a poll was running: poll again right after it. */
  let soon = false;

  const schedule = (ms: number) => {
    if (closed || polling || count === 0) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void poll(), ms);
    // An idle poll timer must not keep a process alive that is shutting down.
    timer.unref();
  };

  async function poll() {
    timer = undefined;
    if (closed || count === 0) return;
    polling = true;
    soon = false;
    let more = false;
    try {
      const cursors: EventCursor[] = [];
      for (const [payeeId, subs] of byPayee) {
        let after = Number.POSITIVE_INFINITY;
        for (const s of subs) after = Math.min(after, s.after);
        cursors.push({ payeeId, after });
      }
      for (let i = 0; i < cursors.length; i += CURSORS_PER_QUERY) {
        const chunk = cursors.slice(i, i + CURSORS_PER_QUERY);
        const events = await eventsAfter(deps.db, chunk, perPoll);
        const grouped = new Map<string, PayeeEvent[]>();
        for (const e of events) {
          const list = grouped.get(e.payeeId);
          if (list) list.push(e);
          else grouped.set(e.payeeId, [e]);
        }
        for (const [payeeId, list] of grouped) {
          if (list.length >= perPoll) more = true;
          for (const s of byPayee.get(payeeId) ?? []) {
            const fresh = list.filter((e) => e.seq > s.after);
            if (fresh.length === 0 || s.closed) continue;
            s.after = fresh[fresh.length - 1]!.seq;
            try {
              s.deliver(fresh);
            } catch (err) {
              deps.logger.warn({ err }, 'payee event subscriber failed');
            }
          }
        }
      }
      failures = 0;
    } catch (err) {
      failures++;
      deps.logger.warn({ err, failures }, 'payee event poll failed; trying again');
    } finally {
      polling = false;
    }
    // After a failure, back off (up to 5 s) so a database that is down is not hammered.
    schedule(more || soon ? 0 : failures ? Math.min(5_000, pollMs * 2 ** failures) : pollMs);
  }

  return {
    subscribe(payeeId, after, deliver) {
      const sub: Sub = { payeeId, after, deliver, closed: false };
      let set = byPayee.get(payeeId);
      if (!set) {
        set = new Set();
        byPayee.set(payeeId, set);
      }
      set.add(sub);
      count++;
      // A new screen gets what it missed at once, not after a whole poll interval.
      if (polling) soon = true;
      else schedule(0);
      return {
        payeeId,
        get after() {
          return sub.after;
        },
        close() {
          if (sub.closed) return;
          sub.closed = true;
          const s = byPayee.get(payeeId);
          s?.delete(sub);
          if (s && s.size === 0) byPayee.delete(payeeId);
          count--;
          if (count === 0 && timer) {
            clearTimeout(timer);
            timer = undefined;
          }
        },
      };
    },
    get subscribers() {
      return count;
    },
    get full() {
      return count >= maxSubscribers;
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      for (const set of byPayee.values()) for (const s of set) s.closed = true;
      byPayee.clear();
      count = 0;
    },
  };
}
