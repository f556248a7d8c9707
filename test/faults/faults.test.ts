// Faults against real processes: two API processes and two workers on one Postgres database and one
// Redis (both of the test's own), callbacks delivered by a retrying provider, split over both APIs with
// duplicates sent to both at once. After each fault: every acknowledged callback stored exactly once,
// every decided transaction allocated once, paid amounts and rollups right (npm run check:invariants).
//
// Postgres is shared with everything else on the machine, so it is not restarted: its loss is simulated
// by terminating every connection to our database and refusing new ones for a while (ALTER DATABASE …
// ALLOW_CONNECTIONS false), which the processes see exactly as a restart (connections cut, refused, back).
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { testDatabaseUrl } from '../support/services.js';
import { activeJobs, type Cluster, commune, credits, deliver, log, startCluster, verify } from './harness.js';

let c: Cluster;
let place: Awaited<ReturnType<typeof commune>>;
const urls = () => c.apis.map((a) => a.url);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  c = await startCluster({ apis: 2, workers: 2 });
  place = await commune(c);
}, 240_000);
afterAll(async () => {
  await c?.stop();
});

describe('faults', () => {
  it('scale-out: duplicates to both APIs at once, out of order, and again later', async () => {
    const sent = credits(place, 300);
    const first = await deliver(sent, urls, { copies: 2, concurrency: 24 });
    // The provider retries some after they were acknowledged (a lost answer on its side).
    const again = await deliver(sent.slice(0, 60).reverse(), urls, { copies: 2, concurrency: 8 });
    const summary = await verify(c, sent, {
      ...first,
      deliveries: first.deliveries + again.deliveries,
      acked: first.acked,
    });
    expect(summary.deliveries).toBeGreaterThanOrEqual(2 * 300 + 2 * 60);
    log('scale-out with duplicates', summary);
  });

  it('Redis stopped for 30 s under callback load: callbacks still acknowledged, flow when it returns', async () => {
    const sent = credits(place, 300);
    const load = deliver(sent, urls, { concurrency: 4, pace: 350, deadlineMs: 150_000 });
    await sleep(3_000);
    await c.redis.stop();
    const before = await countEvents(c);
    await sleep(30_000);
    const ackedWhileDown = (await countEvents(c)) - before;
    await c.redis.start();
    const delivery = await load;
    const summary = await verify(c, sent, delivery);
    expect(ackedWhileDown).toBeGreaterThan(20);
    log('redis down 30 s', { ...summary, storedWhileRedisDown: ackedWhileDown });
  });

  it('a worker killed (SIGKILL) in the middle of a job: the job is taken up again, nothing doubled', async () => {
    const sent = credits(place, 300);
    const load = deliver(sent, urls, { concurrency: 24 });
    let active = 0;
    const deadline = Date.now() + 30_000;
    while (active === 0 && Date.now() < deadline) {
      active = await activeJobs(c);
      if (active === 0) await sleep(20);
    }
    await c.workers[0]!.kill();
    const delivery = await load;
    c.startWorker(0);
    const summary = await verify(c, sent, delivery);
    expect(active).toBeGreaterThan(0);
    log('worker SIGKILL mid-job', { ...summary, activeJobsAtKill: active });
  });

  it('an API killed (SIGKILL) and restarted under load: nothing acknowledged is lost', async () => {
    const sent = credits(place, 300);
    const load = deliver(sent, urls, { concurrency: 12, pace: 50 });
    await sleep(2_000);
    const port = new URL(c.apis[0]!.url).port;
    await c.apis[0]!.kill();
    await sleep(3_000);
    c.env.PORT = port;
    await c.startApi(0);
    delete c.env.PORT;
    const delivery = await load;
    const summary = await verify(c, sent, delivery);
    expect(delivery.refused.network ?? 0).toBeGreaterThan(0);
    log('API SIGKILL and restart', summary);
  });

  it('the database lost (connections cut, then refused for 10 s): 503 meanwhile, never a 2xx unstored', async () => {
    const sent = credits(place, 300);
    const admin = postgres(testDatabaseUrl(), { max: 1, onnotice: () => {} });
    const name = new URL(c.env.DATABASE_URL!).pathname.slice(1);
    const cut = () =>
      admin.unsafe(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`,
        [name],
      );
    try {
      const load = deliver(sent, urls, { concurrency: 6, pace: 150, deadlineMs: 150_000 });
      await sleep(2_000);
      await cut();
      await sleep(2_000);
      await admin.unsafe(`alter database ${name} allow_connections false`);
      await cut();
      await sleep(10_000);
      await admin.unsafe(`alter database ${name} allow_connections true`);
      const delivery = await load;
      const summary = await verify(c, sent, delivery);
      expect(delivery.refused['503'] ?? 0).toBeGreaterThan(0);
      log('database connections cut and refused', summary);
    } finally {
      await admin.unsafe(`alter database ${name} allow_connections true`).catch(() => {});
      await admin.end();
    }
  });
});

async function countEvents(cluster: Cluster): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    cluster.db.db,
    sql`select count(*)::int8 as n from callback_events`,
  );
  return Number(row!.n);
}
