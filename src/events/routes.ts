/**
 * GET /v1/payees/{id}/events — a payee's payments as server-sent events, for its live screens.
 *
 * Each event carries `id: <seq>` (per payee, in commit order, no gaps), so a browser's EventSource that
 * loses the connection comes back with `Last-Event-ID` and gets exactly what it missed. A client that
 * opens a new stream passes `?after=<seq>` (the page renders the figures up to that seq). Without
 * either, the stream starts at the payee's latest event. Comments every SSE_HEARTBEAT_MS keep proxies
 * from closing an idle stream; a stream ends after SSE_MAX_AGE_MS (the browser reconnects and resumes,
 * and the key is checked again), and when its client is too slow to read (it resumes likewise).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { assertVisible } from '../auth/principal.js';
import { AppError } from '../http/errors.js';
import { bearerSecurity, errorResponses } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { scopeOfPayee } from '../payees/routes.js';
import { getPayee } from '../payees/store.js';
import type { PayeeEventHub } from './hub.js';
import { type PayeeEvent, payeeEventHead, toEventMessage } from './store.js';

export const SSE_HEARTBEAT_MS = 15_000;
export const SSE_MAX_AGE_MS = 5 * 60_000;
/** How long a browser waits before reconnecting (the SSE `retry` field). */
export const SSE_RETRY_MS = 2_000;
/** Events queued for one slow client before its stream is closed (it resumes from its last id). */
export const SSE_MAX_QUEUE = 1_000;

const seq = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const eventsRoute = createRoute({
  method: 'get',
  path: '/payees/{id}/events',
  tags: ['Payees'],
  summary: 'The payee’s payments as they happen (server-sent events)',
  description:
    'A `text/event-stream`. Each payment matched to the payee (QR, transfer, e-wallet) and each cash payment ' +
    'recorded for it is an event `payment` whose `id` is the payee’s sequence number (1, 2, 3 … in the order ' +
    'they were committed) and whose data is JSON `{ seq, kind, channel, amount, refundDue, saleCount, at, day, ' +
    'paymentRequest }`. Resume with the `Last-Event-ID` header (EventSource does it by itself) or `?after=`. ' +
    'The first event, `ready`, says where the stream starts. Comment lines are heartbeats.',
  security: bearerSecurity,
  request: {
    params: z.object({ id: z.string().max(64) }),
    query: z.object({
      after: seq.optional().openapi({ description: 'Send the events after this sequence number' }),
    }),
    headers: z.object({
      'last-event-id': z.string().max(20).optional().openapi({ description: 'Resume after this event id' }),
    }),
  },
  responses: {
    200: { description: 'The event stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...errorResponses,
    503: { description: 'This process serves as many streams as it may; try again (Retry-After)' },
  },
});

export function payeeEventRoutes(hub: PayeeEventHub) {
  return createRouter().openapi(eventsRoute, async (c) => {
    const { db } = c.var.deps;
    const payee = await getPayee(db, c.req.valid('param').id);
    assertVisible(c.var.principal, 'Payee', payee && scopeOfPayee(payee));
    // The header wins: it is what the browser saw last, the query what the page started from.
    const header = seq.safeParse(c.req.valid('header')['last-event-id']);
    const resumeFrom = header.success ? header.data : c.req.valid('query').after;
    if (hub.full) {
      c.header('Retry-After', '5');
      throw new AppError(503, 'too_many_streams', 'Too many open streams on this server; try again shortly');
    }
    const after = resumeFrom ?? (await payeeEventHead(db, payee!.id));
    c.header('X-Accel-Buffering', 'no');

    return streamSSE(c, async (stream) => {
      const queue: PayeeEvent[] = [];
      let wake: (() => void) | undefined;
      let overflow = false;
      let gone = false;
      const stop = () => {
        gone = true;
        wake?.();
      };
      stream.onAbort(stop);
      c.req.raw.signal.addEventListener('abort', stop);
      const sub = hub.subscribe(payee!.id, after, (events) => {
        queue.push(...events);
        if (queue.length > SSE_MAX_QUEUE) overflow = true;
        wake?.();
      });
      const deadline = Date.now() + SSE_MAX_AGE_MS;
      try {
        await stream.writeSSE({ event: 'ready', data: JSON.stringify({ after }), retry: SSE_RETRY_MS });
        while (!gone && !overflow) {
          const left = deadline - Date.now();
          if (left <= 0) break;
          if (queue.length === 0) {
            const woken = await new Promise<boolean>((resolve) => {
              const t = setTimeout(() => resolve(false), Math.min(SSE_HEARTBEAT_MS, left));
              wake = () => {
                clearTimeout(t);
                resolve(true);
              };
            });
            wake = undefined;
            if (!woken && !gone) await stream.write(': ping\n\n');
            continue;
          }
          for (const e of queue.splice(0, queue.length)) {
            if (gone) break;
            await stream.writeSSE({
              id: String(e.seq),
              event: 'payment',
              data: JSON.stringify(toEventMessage(e)),
            });
          }
        }
      } finally {
        sub.close();
        c.req.raw.signal.removeEventListener('abort', stop);
      }
    });
  });
}
