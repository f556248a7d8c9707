import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/client.js';
import { runMigrations } from '../../../src/db/migrate.js';
import { checkInvariants } from '../../../src/invariants/check.js';
import type { InvariantReport } from '../../../src/invariants/report.js';
import { backend, startTestApp, type TestApp } from '../../support/app.js';
import { secrets } from '../../support/callback-factories.js';
import { busyDay } from '../../support/reliability-factories.js';

let app: TestApp;
let day: Awaited<ReturnType<typeof busyDay>>;
beforeAll(async () => {
  app = await startTestApp({ env: secrets });
  day = await busyDay(app);
  // From here the data only changes by the test's own hand: no relay may move a planted outbox row.
  await app.deps.jobs.close();
});
afterAll(() => app?.close());

/** Problems the report lists, as "invariant: problem". */
const problems = (r: InvariantReport) =>
  r.results.flatMap((x) => x.violations.map((v) => `${x.name}: ${v.problem}`)).sort();

const check = () => checkInvariants(app.deps.db, { outboxMaxAgeS: 60, eventMaxAgeS: 60 });

/** Corrupts the data with `breakIt`, checks, then puts it back with `repair` and checks again. */
async function corrupted(breakIt: SQL, repair: SQL) {
  await app.deps.db.execute(breakIt);
  try {
    return await check();
  } finally {
    await app.deps.db.execute(repair);
    expect(problems(await check())).toEqual([]);
  }
}

describe('check:invariants', () => {
  it('passes on a busy day’s data: every kind of payment, match, refund and manual allocation', async () => {
    const report = await check();
    expect(problems(report)).toEqual([]);
    expect(report).toMatchObject({ ok: true, violations: 0 });
    expect(report.results.map((r) => r.name)).toEqual([
      'transaction-allocations',
      'request-paid-amounts',
      'outbox-drained',
      'callbacks-processed',
      'transaction-channels',
      'no-orphans',
      'rollups-match-rebuild',
    ]);
  });

  it('reports a transaction allocated more than its amount', async () => {
    const report = await corrupted(
      sql`update allocations set amount = amount + 1000 where transaction_id = ${day.strangerTransactionId}`,
      sql`update allocations set amount = amount - 1000 where transaction_id = ${day.strangerTransactionId}`,
    );
    expect(report.ok).toBe(false);
    expect(problems(report)).toEqual(
      expect.arrayContaining([
        'transaction-allocations: over-allocated',
        'request-paid-amounts: paidAmount differs from allocations + cash',
        'rollups-match-rebuild: payment_rollups row differs from a rebuild',
      ]),
    );
    const t = report.results[0]!.violations[0]!;
    expect(t).toMatchObject({
      count: 1,
      sample: [expect.objectContaining({ id: day.strangerTransactionId })],
    });
  });

  it('reports a matched transaction that is not fully allocated, and a column out of step', async () => {
    const report = await corrupted(
      sql`update transactions set allocated_amount = allocated_amount - 1 where id = ${day.strangerTransactionId}`,
      sql`update transactions set allocated_amount = allocated_amount + 1 where id = ${day.strangerTransactionId}`,
    );
    expect(problems(report)).toEqual([
      'transaction-allocations: allocated_amount differs from its allocations',
    ]);
  });

  it('reports a payment request whose paid amount differs from its allocations and cash', async () => {
    const id = day.requests.mixed.id;
    const report = await corrupted(
      sql`update payment_requests set paid_amount = paid_amount + 1 where id = ${id}`,
      sql`update payment_requests set paid_amount = paid_amount - 1 where id = ${id}`,
    );
    expect(problems(report)).toEqual(['request-paid-amounts: paidAmount differs from allocations + cash']);
    expect(report.results[1]!.violations[0]!.sample[0]).toMatchObject({
      id,
      paid_amount: 90_001,
      allocations: 60_000,
      cash: 30_000,
    });
  });

  it('reports a request whose status disagrees with what was paid', async () => {
    const id = day.requests.partial.id;
    const report = await corrupted(
      sql`update payment_requests set status = 'paid' where id = ${id}`,
      sql`update payment_requests set status = 'partially_paid' where id = ${id}`,
    );
    expect(problems(report)).toEqual(['request-paid-amounts: status disagrees with paidAmount']);
  });

  it('reports rollups that differ from a rebuild', async () => {
    const report = await corrupted(
      sql`update payee_rollups set value = value + 5 where payee_id = ${day.stall.id} and channel = 'cash'`,
      sql`update payee_rollups set value = value - 5 where payee_id = ${day.stall.id} and channel = 'cash'`,
    );
    expect(problems(report)).toEqual(['rollups-match-rebuild: payee_rollups row differs from a rebuild']);
  });

  it('reports an outbox that does not drain and a callback event that never became a transaction', async () => {
    const report = await corrupted(
      sql`with e as (
            insert into callback_events (provider, provider_event_id, raw_body, credit, received_at)
            values ('generic', 'stuck-event', '{}', '{}'::jsonb, now() - interval '1 hour') returning id
          ) insert into outbox (topic, ref_id, created_at) select 'callback', id, now() - interval '1 hour' from e`,
      sql`with o as (delete from outbox where ref_id in (select id from callback_events where provider_event_id = 'stuck-event'))
          delete from callback_events where provider_event_id = 'stuck-event'`,
    );
    expect(problems(report)).toEqual([
      'callbacks-processed: callback event without a transaction',
      'outbox-drained: outbox row waiting too long',
    ]);
    expect(report.results[3]!.violations[0]!.sample[0]).toMatchObject({
      provider_event_id: 'stuck-event',
      in_outbox: true,
    });
  });

  it('reports orphans: an allocation of a request that does not exist, an outbox row of no event', async () => {
    const report = await corrupted(
      sql`insert into outbox (topic, ref_id) values ('callback', -42)`,
      sql`delete from outbox where ref_id = -42`,
    );
    expect(problems(report)).toEqual(['no-orphans: outbox row of a missing callback event']);

    const ghost = '00000000-0000-4000-8000-000000000042';
    const orphan = await corrupted(
      sql`update allocations set payment_request_id = ${ghost} where transaction_id = ${day.strangerTransactionId}`,
      sql`update allocations set payment_request_id = ${day.requests.byHand.id} where transaction_id = ${day.strangerTransactionId}`,
    );
    expect(problems(orphan)).toEqual(
      expect.arrayContaining([
        'no-orphans: allocation of a missing payment request',
        'request-paid-amounts: paidAmount differs from allocations + cash',
      ]),
    );
  });

  it('reports a transaction whose channels differ from its sources', async () => {
    const report = await corrupted(
      sql`update transactions set channels = array_append(channels, 'callback:ghost') where id = ${day.strangerTransactionId}`,
      sql`update transactions set channels = array_remove(channels, 'callback:ghost') where id = ${day.strangerTransactionId}`,
    );
    expect(problems(report)).toEqual(['transaction-channels: transaction channels differ from its sources']);
  });

  it('lists a sample and the full count when many rows break', async () => {
    const report = await corrupted(
      sql`update transactions set allocated_amount = allocated_amount + 7`,
      sql`update transactions set allocated_amount = allocated_amount - 7`,
    );
    const v = report.results[0]!.violations;
    const total = v.reduce((n, x) => n + x.count, 0);
    expect(total).toBeGreaterThanOrEqual(5);
    expect(report.violations).toBeGreaterThanOrEqual(total);
    const limited = await (async () => {
      await app.deps.db.execute(sql`update transactions set allocated_amount = allocated_amount + 7`);
      try {
        return await checkInvariants(app.deps.db, { sampleSize: 2, rollups: false });
      } finally {
        await app.deps.db.execute(sql`update transactions set allocated_amount = allocated_amount - 7`);
      }
    })();
    for (const x of limited.results[0]!.violations) expect(x.sample.length).toBeLessThanOrEqual(2);
    expect(limited.results[0]!.violations.reduce((n, x) => n + x.count, 0)).toBe(total);
  });

  it('changes nothing: it runs read-only', async () => {
    const before = await app.deps.db.execute(sql`select count(*) from outbox`);
    await check();
    expect(await app.deps.db.execute(sql`select count(*) from outbox`)).toEqual(before);
  });
});

const run = promisify(execFile);

/** `npm run check:invariants` as an operator types it. */
async function cli(env: Record<string, string>, args: string[] = []) {
  try {
    const { stdout, stderr } = await run('npm', ['run', '-s', 'check:invariants', '--', ...args], {
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? tmpdir(), ...env },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run check:invariants', () => {
  it('exits 0 with a report when all hold, 1 naming the broken invariant, 2 when it cannot check', async () => {
    let env: Record<string, string>;
    let corrupt: () => Promise<void>;
    let expected: string[];
    let dir: string | undefined;
    if (backend === 'postgres') {
      env = { DATABASE_URL: app.deps.config.DATABASE_URL! };
      corrupt = async () => {
        await app.deps.db.execute(
          sql`update payment_requests set paid_amount = paid_amount + 1 where id = ${day.requests.mixed.id}`,
        );
      };
      expected = ['request-paid-amounts: paidAmount differs from allocations + cash'];
    } else {
      // The test app's PGlite lives in memory: the CLI gets a database on disk of its own.
      dir = await mkdtemp(join(tmpdir(), 'cc-invariants-'));
      env = { DATA_DIR: dir };
      const database = await openDatabase({ dataDir: dir });
      await runMigrations(database);
      await database.close();
      corrupt = async () => {
        const d = await openDatabase({ dataDir: dir });
        await d.db.execute(
          sql`insert into outbox (topic, ref_id, created_at) values ('callback', -7, now() - interval '1 day')`,
        );
        await d.close();
      };
      expected = [
        'no-orphans: outbox row of a missing callback event',
        'outbox-drained: outbox row waiting too long',
      ];
    }
    try {
      const clean = await cli(env);
      expect(clean.code, clean.stderr).toBe(0);
      expect(clean.stdout).toContain('all invariants hold');
      expect(clean.stdout).toMatch(/^ok {3}rollups-match-rebuild/m);

      await corrupt();
      const broken = await cli(env, ['--json']);
      expect(broken.code).toBe(1);
      const report = JSON.parse(broken.stdout) as InvariantReport;
      expect(problems(report)).toEqual(expected);
      expect(report.ok).toBe(false);

      // Run once (it does not depend on the backend): a database it cannot reach is exit 2, not "ok".
      if (backend === 'embedded') return;
      const unreachable = await cli({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }, [
        '--timeout',
        '5',
      ]);
      expect(unreachable.code).toBe(2);
      expect(unreachable.stderr).toContain('could not check the invariants');
    } finally {
      if (backend === 'postgres')
        await app.deps.db.execute(
          sql`update payment_requests set paid_amount = paid_amount - 1 where id = ${day.requests.mixed.id}`,
        );
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
