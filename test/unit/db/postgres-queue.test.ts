/**
 * postgres.js's connection queues, as patched at install (patches/postgres+3.4.9.patch). As released, a
 * pool whose connections were all busy left a slot behind for every query it queued on a busy
 * connection, and every later query scanned them all. The speed is measured by the benchmark
 * (`npm run bench -- --only driver`: the fifth round of 192,000 queries ran at 12% of the first's rate as
 * released, 103% patched); here, that the patched queue is still a queue and does bounded work.
 */
import { describe, expect, it } from 'vitest';

type Queue<T> = { readonly length: number; push(x: T): T; shift(): T | undefined; remove(x: T): T | null };
// The driver does not export its queue; the module is read from the installed (patched) package.
const queueModule = new URL('../../../node_modules/postgres/src/queue.js', import.meta.url).href;
const { default: createQueue } = (await import(queueModule)) as { default: <T>(initial?: T[]) => Queue<T> };

/** An array that counts the slots `indexOf` reads; `slice` keeps the class, so the queue's copy counts. */
class CountingArray<T> extends Array<T> {
  static scanned = 0;
  override indexOf(x: T, from = 0): number {
    CountingArray.scanned += Math.max(0, this.length - from);
    return super.indexOf(x, from);
  }
}

type Connection = { id: number; queue: Queue<Connection> };

/** The driver's pool (src/index.js): open and busy queues, a connection moved between them. */
function pool(size: number) {
  const open = createQueue<Connection>(new CountingArray());
  const busy = createQueue<Connection>(new CountingArray());
  const connections = Array.from({ length: size }, (_, id) => ({ id, queue: open }));
  for (const c of connections) open.push(c);
  const move = (c: Connection, to: Queue<Connection>) => {
    c.queue.remove(c);
    to.push(c);
    c.queue = to;
  };
  return {
    open,
    busy,
    connections,
    /** A query: an idle connection if there is one, else the next busy one in turn (pipelined). */
    query: () => move(open.length > 0 ? open.shift()! : busy.shift()!, busy),
    done: (c: Connection) => move(c, open),
  };
}

describe('postgres.js connection queues (patched)', () => {
  it('are first in, first out, and remove what is asked, as a plain array model says', () => {
    const queue = createQueue<number>();
    const model: number[] = [];
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 100_000; i++) {
      const r = random();
      if (r < 0.4) {
        queue.push(i);
        model.push(i);
      } else if (r < 0.8) {
        expect(queue.shift()).toBe(model.shift());
      } else {
        const x = model.length > 0 && r < 0.95 ? model[Math.floor(random() * model.length)]! : -1;
        const at = model.indexOf(x);
        if (at >= 0) model.splice(at, 1);
        expect(queue.remove(x)).toBe(at >= 0 ? x : null);
      }
      expect(queue.length).toBe(model.length);
    }
  });

  it('do not make queries slower after the pool was saturated', () => {
    const p = pool(10);
    for (const _ of p.connections) p.query();
    for (let i = 0; i < 50_000; i++) p.query(); // all ten busy: queued in turn on busy connections
    for (const c of p.connections) p.done(c);
    expect([p.open.length, p.busy.length]).toEqual([10, 0]);

    CountingArray.scanned = 0;
    for (let i = 0; i < 1_000; i++) {
      p.query();
      p.done(p.connections.find((c) => c.queue === p.busy)!);
    }
    // Unpatched, each of these 2,000 moves read the 50,000 slots left behind by the busy spell.
    expect(CountingArray.scanned / 2_000).toBeLessThan(20);
  });
});
