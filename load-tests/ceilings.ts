/**
 * The ceilings under our paths, measured in the same run on the same machine:
 * - raw Postgres single-row commits (`insert … ` in autocommit: one row, one commit, one WAL flush
 *   shared by whatever commits at the same moment), with the API's pool size;
 * - BullMQ empty jobs (add one at a time + process with a no-op handler).
 * The HTTP ceiling (Hono hello-world) is a child process loaded like the API (bench.ts).
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import type { Outcome } from './load.js';
import { perSecond, summarize } from './stats.js';

/**
 * `callers` loops at once, each running `op` (its caller number, its own count so far) while `more`
 * says so, every call timed: the outcome of all of them.
 */
async function callerLoops(
  callers: number,
  more: (i: number) => boolean,
  op: (caller: number, i: number) => Promise<unknown>,
): Promise<Outcome> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      for (let i = 0; more(i); i++) {
        const t = performance.now();
        try {
          await op(caller, i);
          latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    requests: latencies.length + errors,
    ok: latencies.length,
    errors,
    statuses: {},
    seconds,
    rate: perSecond(latencies.length, seconds),
    latency: summarize(latencies),
  };
}

export async function pgCommitRate(url: string, poolSize: number, durationS: number): Promise<Outcome> {
  const sql = postgres(url, { max: poolSize, onnotice: () => {} });
  try {
    await sql`create table if not exists bench_commit (id bigserial primary key, v int not null, at timestamptz not null default now())`;
    const until = performance.now() + durationS * 1000;
    const outcome = await callerLoops(
      poolSize,
      () => performance.now() < until,
      (caller, i) => sql`insert into bench_commit (v) values (${caller * 1_000_000 + i})`,
    );
    await sql`drop table bench_commit`;
    return outcome;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export async function bullmqRate(
  redisUrl: string,
  prefix: string,
  durationS: number,
  producers = 16,
  concurrency = 32,
): Promise<Outcome> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('bench-empty', { connection, prefix });
  const addedAt = new Map<string, number>();
  const latencies: number[] = [];
  let processed = 0;
  let lastDone = 0;
  const worker = new Worker(
    'bench-empty',
    async (job) => {
      processed++;
      lastDone = performance.now();
      const at = addedAt.get(job.id!);
      if (at !== undefined) {
        latencies.push(lastDone - at);
        addedAt.delete(job.id!);
      }
    },
    { connection: workerConnection, prefix, concurrency },
  );
  let added = 0;
  let errors = 0;
  const started = performance.now();
  const until = started + durationS * 1000;
  try {
    await Promise.all(
      Array.from({ length: producers }, async () => {
        while (performance.now() < until) {
          try {
            const t = performance.now();
            const job = await queue.add('empty', { v: 1 }, { removeOnComplete: true, removeOnFail: true });
            addedAt.set(job.id!, t);
            added++;
          } catch {
            errors++;
          }
        }
      }),
    );
    const drainBy = performance.now() + 60_000;
    while (processed < added && performance.now() < drainBy) await new Promise((r) => setTimeout(r, 20));
    const seconds = ((lastDone || performance.now()) - started) / 1000;
    return {
      requests: added,
      ok: processed,
      errors: errors + (added - processed),
      statuses: {},
      seconds,
      rate: perSecond(processed, seconds),
      latency: summarize(latencies),
    };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    connection.disconnect();
    workerConnection.disconnect();
  }
}

/**
 * The Postgres driver's pool when every connection is busy (more callers than connections, as under a
 * flood): `select 1` in rounds of `perRound` queries, each round's outcome. postgres.js 3.4.9 as
 * released got slower every round, and stayed slow (patches/postgres+3.4.9.patch says why): the last
 * round's rate as a share of the first's shows whether the installed driver still does.
 */
export async function driverSaturatedRounds(
  url: string,
  options: { connections: number; callers: number; rounds: number; perRound: number },
): Promise<Outcome[]> {
  const sql = postgres(url, { max: options.connections, onnotice: () => {} });
  const rounds: Outcome[] = [];
  try {
    await sql`select 1`;
    for (let round = 0; round < options.rounds; round++) {
      rounds.push(
        await callerLoops(
          options.callers,
          (i) => i < options.perRound / options.callers,
          () => sql`select 1`,
        ),
      );
    }
    return rounds;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
