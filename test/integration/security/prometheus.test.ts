import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allJobs, startBackground } from '../../../src/jobs/registry.js';
import { sweepJob } from '../../../src/reconciliation/sweep.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import {
  genericCallback,
  postCallback,
  secrets,
  settle,
  uniqueId,
} from '../../support/callback-factories.js';
import { createCommune, createKey, createPayee } from '../../support/factories.js';
import { until } from '../../support/reliability-processes.js';

const METRICS_TOKEN = 'prometheus-scrape-token-0123456789';
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { ...secrets, METRICS_TOKEN }, work: false });
});
afterAll(() => app?.close());

async function scrape(token = METRICS_TOKEN) {
  const res = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one series, e.g. value(text, 'cc_outbox_rows') or with labels '{job="x",state="failed"}'. */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^([^{\s]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('GET /metrics', () => {
  it('answers Prometheus with METRICS_TOKEN or an admin key; nobody else', async () => {
    const staff = await createKey(app, { role: 'staff', unitCode: (await createCommune(app)).commune });
    const get = (auth?: string) =>
      fetch(`${app.url}/metrics`, { headers: auth ? { authorization: `Bearer ${auth}` } : {} });
    expect((await get()).status).toBe(401);
    expect((await get('not-the-token-000000000000000000')).status).toBe(401);
    const forbidden = await get(staff);
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    const byToken = await get(METRICS_TOKEN);
    expect(byToken.status).toBe(200);
    expect(byToken.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect((await get(app.adminKey)).status).toBe(200);
  });

  it('counts callbacks by provider and outcome, shows the outbox backlog, then the review queue once matched', async () => {
    const account = `4${uniqueId()}`;
    const one = genericCallback({ accountNumber: account, amount: 11_000 });
    expect((await postCallback(app, 'generic', one)).status).toBe(200);
    expect((await postCallback(app, 'generic', one)).status).toBe(200);
    expect((await postCallback(app, 'generic', genericCallback({ accountNumber: account }))).status).toBe(
      200,
    );
    expect(
      (await postCallback(app, 'generic', genericCallback({}, { secret: 'wrong-secret-00000000000' })))
        .status,
    ).toBe(401);
    expect((await postCallback(app, 'generic', genericCallback({ amount: -5 }))).status).toBe(400);
    expect((await postCallback(app, 'casso', { body: 'not json', headers: {} })).status).toBe(401);

    let text = await scrape();
    const callbacks = (outcome: string, provider = 'generic') =>
      value(text, 'cc_callbacks_total', { provider, outcome });
    expect(callbacks('stored')).toBe(2);
    expect(callbacks('duplicate')).toBe(1);
    expect(callbacks('invalid_signature')).toBe(1);
    expect(callbacks('malformed')).toBe(1);
    expect(callbacks('invalid_signature', 'casso')).toBe(1);
    // Nothing relays yet (no job runner in this process): the events wait in the outbox.
    expect(value(text, 'cc_outbox_rows')).toBe(2);
    expect(value(text, 'cc_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
    // Every job's queue is reported, even those this process never used.
    for (const job of allJobs)
      expect(value(text, 'cc_job_queue_jobs', { job: job.name, state: 'waiting' })).toBeDefined();

    await startBackground(app.deps, 'all');
    await settle(app);
    text = await scrape();
    expect(value(text, 'cc_outbox_rows')).toBe(0);
    expect(value(text, 'cc_outbox_oldest_age_seconds')).toBe(0);
    expect(value(text, 'cc_transactions_awaiting', { status: 'unmatched' })).toBe(2);
    expect(value(text, 'cc_transactions_awaiting', { status: 'pending' })).toBe(0);
  });

  it('reports jobs that failed for good', async () => {
    await startBackground(app.deps, 'all').catch(() => {});
    // A payload no handler accepts: the job fails on every attempt.
    await app.deps.jobs.enqueue(sweepJob, { v: 99 } as never, { jobId: `bad-${uniqueId()}` });
    await until(
      async () =>
        (value(await scrape(), 'cc_job_queue_jobs', { job: sweepJob.name, state: 'failed' }) ?? 0) >= 1,
      30_000,
      'failed job reported',
    );
  });

  it('times requests by route pattern, never by concrete path', async () => {
    const { hamlets } = await createCommune(app);
    const payee = await createPayee(app, hamlets[0]!);
    expect((await app.api('GET', `/v1/payees/${payee.id}`)).status).toBe(200);
    expect((await app.api('GET', '/v1/no/such/thing')).status).toBe(404);
    const text = await scrape();
    expect(
      value(text, 'cc_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/v1/payees/:id',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(payee.id);
    expect(text).not.toContain('/v1/no/such/thing');
    expect(text).toContain('cc_process_cpu_seconds_total');
  });
});
