import { expect } from 'vitest';
import type { TestApp } from '../../support/app.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the stream, read by tests
export type SseMessage = { event: string; id?: string; data: string; json: any };

/**
 * A server-sent-events client over fetch, as a browser's EventSource reads the stream: messages are
 * separated by a blank line, comment lines (heartbeats) are dropped.
 */
export async function openStream(
  app: TestApp,
  path: string,
  key: string | null,
  headers: Record<string, string> = {},
) {
  const abort = new AbortController();
  const res = await fetch(app.url + path, {
    headers: { accept: 'text/event-stream', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    signal: abort.signal,
  });
  const messages: SseMessage[] = [];
  const waiters: (() => void)[] = [];
  let ended = false;
  if (res.ok && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let cut = buffer.indexOf('\n\n');
          while (cut >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const m: SseMessage = { event: 'message', data: '', json: undefined };
            const data: string[] = [];
            let any = false;
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) continue;
              const i = line.indexOf(':');
              const field = i < 0 ? line : line.slice(0, i);
              const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
              if (field === 'event') m.event = value;
              else if (field === 'id') m.id = value;
              else if (field === 'data') data.push(value);
              else continue;
              any = true;
            }
            if (any) {
              m.data = data.join('\n');
              try {
                m.json = JSON.parse(m.data);
              } catch {}
              messages.push(m);
              for (const w of waiters.splice(0)) w();
            }
            cut = buffer.indexOf('\n\n');
          }
        }
      } catch {
        // aborted
      } finally {
        ended = true;
        for (const w of waiters.splice(0)) w();
      }
    })();
  }
  const payments = () => messages.filter((m) => m.event === 'payment');
  return {
    status: res.status,
    headers: res.headers,
    body: res.ok ? undefined : await res.json().catch(() => undefined),
    messages,
    payments,
    get ended() {
      return ended;
    },
    /** Waits until `n` payment events have arrived (fails after `ms`). */
    async waitForPayments(n: number, ms = 10_000): Promise<SseMessage[]> {
      const until = Date.now() + ms;
      while (payments().length < n) {
        if (ended) throw new Error(`stream ended after ${payments().length} of ${n} payments`);
        const left = until - Date.now();
        if (left <= 0) throw new Error(`only ${payments().length} of ${n} payments after ${ms} ms`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return payments();
    },
    async waitForReady(ms = 5_000) {
      const until = Date.now() + ms;
      while (!messages.some((m) => m.event === 'ready')) {
        if (Date.now() > until || ended) throw new Error('no ready event');
        await new Promise((r) => setTimeout(r, 20));
      }
      return messages.find((m) => m.event === 'ready')!.json as { after: number };
    },
    close() {
      abort.abort();
    },
  };
}

/** Lets a stream run a little longer, to show that nothing more arrives. */
export const quietFor = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function expectSeqs(messages: SseMessage[], seqs: number[]) {
  expect(messages.map((m) => Number(m.id))).toEqual(seqs);
  expect(messages.map((m) => m.json.seq)).toEqual(seqs);
}
