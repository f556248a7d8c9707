import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCommune, DEMO_COMMUNE } from '../../../src/demo/model.js';
import { planMonth } from '../../../src/demo/month.js';
import { callbackBody, signCallback } from '../../../src/demo/providers.js';
import { applyDemoSecrets, readDemoSecrets } from '../../../src/demo/secrets.js';
import { seedDemoIfEmpty, startDemoHistory } from '../../../src/demo/seed.js';
import { startTestApp, type TestApp } from '../../support/app.js';

/** A fixed "now" in the middle of a month: the history is that month's first twenty days. */
const NOW = new Date('2026-10-20T09:30:00+07:00');
const scale = 0.02;
const options = { scale };

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, read by tests
type Json = any;

/** What a user can see of the demo, without ids and reference codes (random by design). */
async function snapshot(app: TestApp) {
  const get = async (path: string): Promise<Json> => {
    const res = await app.api('GET', path);
    expect(res.status, path).toBe(200);
    return res.body;
  };
  const commune = await get(`/v1/units/${DEMO_COMMUNE.code}`);
  const households: Json[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await get(`/v1/households?unitCode=${DEMO_COMMUNE.code}&limit=1000&offset=${offset}`);
    households.push(...page.items.map((h: Json) => [h.code, h.unitCode, h.members]));
    if (page.items.length < 1000) break;
  }
  const payees = (await get(`/v1/payees?unitCode=${DEMO_COMMUNE.code}&limit=1000`)).items.map((p: Json) => [
    p.kind,
    p.name,
    p.bankBin,
    p.accountNumber,
    p.accountName,
    p.stallNo,
  ]);
  const requests: Json[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await get(`/v1/payment-requests?limit=1000&offset=${offset}`);
    requests.push(
      ...page.items.map((r: Json) => [
        r.externalId,
        r.amount,
        r.paidAmount,
        r.status,
        r.category,
        r.unitCode,
      ]),
    );
    if (page.items.length < 1000) break;
  }
  const metrics = await Promise.all(
    ['category', 'unit', 'day'].map((g) =>
      get(`/v1/metrics/cashless?unit=${DEMO_COMMUNE.code}&from=2026-10-01&to=2026-10-31&groupBy=${g}`),
    ),
  );
  return {
    commune: { name: commune.name, children: commune.children.map((c: Json) => [c.code, c.name, c.level]) },
    households,
    payees: payees.sort(),
    requests: requests.sort(),
    metrics,
  };
}

describe('the demo seed', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  it('is the same commune and the same history every time', async () => {
    expect(buildCommune(scale)).toEqual(buildCommune(scale));
    const plan = (seed: number) => planMonth(buildCommune(scale), { month: '2026-10', seed, until: NOW });
    expect(plan(3)).toEqual(plan(3));
    expect(plan(3).credits).not.toEqual(plan(4).credits);

    const snapshots = [];
    for (let i = 0; i < 2; i++) {
      const app = await startTestApp({ clock: { now: () => NOW } });
      apps.push(app);
      expect((await seedDemoIfEmpty(app.deps, options)).seeded).toBe(true);
      expect((await startDemoHistory(app.deps).done)?.months[0]?.status).toBe('played');
      snapshots.push(await snapshot(app));
    }
    const [a, b] = snapshots;
    expect(a!.households.length).toBe(buildCommune(scale).households.length);
    expect(a!.metrics[0].totals.cashless.count).toBeGreaterThan(0);
    expect(a!.metrics[0].totals.cash.count).toBeGreaterThan(0);
    expect(b).toEqual(a);
  }, 600_000);

  it('seeds only an empty database: a second start changes nothing', async () => {
    const app = apps[0]!;
    const before = await snapshot(app);
    expect((await seedDemoIfEmpty(app.deps, options)).seeded).toBe(false);
    expect((await startDemoHistory(app.deps).done)?.months[0]?.status).toBe('complete');
    expect(await snapshot(app)).toEqual(before);
  }, 300_000);

  it('gives the demo generated callback secrets, kept in DATA_DIR, that its callbacks are signed with', async () => {
    const app = apps[0]!;
    const dir = await mkdtemp(join(tmpdir(), 'cc-demo-'));
    try {
      const stall = buildCommune(scale).stalls[0]!;
      const body = callbackBody({
        provider: 'casso',
        n: 1,
        idBase: 9_000_000,
        account: stall.account,
        amount: 25_000,
        memo: 'mua rau',
        at: NOW,
        bankRef: 'FT26293000001',
        payer: { bin: '970405', number: '1500123456789', holder: 'NGUYEN VAN A' },
      });
      const post = (signed: { body: string; headers: Record<string, string> }) =>
        app.api('POST', '/v1/callbacks/casso', signed.body, null, signed.headers);
      const demoSecret = { CASSO_WEBHOOK_SECRET: 'not-yet-configured-secret-0123' };
      // Nothing configured: the adapter takes nothing.
      expect((await post(signCallback(body, demoSecret, NOW))).status).toBe(503);

      const configured = app.deps.config;
      app.deps.config = {
        ...configured,
        DEMO: true,
        DATA_DIR: dir,
        GENERIC_WEBHOOK_SECRET: 'configured-generic-secret-0123',
      };
      await applyDemoSecrets(app.deps);
      const kept = (await readDemoSecrets(dir))!;
      expect((await stat(join(dir, 'demo-secrets.json'))).mode & 0o777).toBe(0o600);
      // A configured secret wins; the others are the generated ones.
      expect(app.deps.config.GENERIC_WEBHOOK_SECRET).toBe('configured-generic-secret-0123');
      expect(app.deps.config.SEPAY_API_KEY).toBe(kept.SEPAY_API_KEY);
      expect(app.deps.config.CASSO_WEBHOOK_SECRET).toBe(kept.CASSO_WEBHOOK_SECRET);
      expect(JSON.parse(await readFile(join(dir, 'demo-secrets.json'), 'utf8'))).toEqual(kept);

      // The app's clock is fixed at NOW, so the signature's timestamp is NOW too.
      expect((await post(signCallback(body, demoSecret, NOW))).status).toBe(401);
      expect((await post(signCallback(body, kept, NOW))).status).toBe(200);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('applies no demo secret to a database without the demo commune', async () => {
    const app = await startTestApp();
    apps.push(app);
    const dir = await mkdtemp(join(tmpdir(), 'cc-demo-'));
    try {
      app.deps.config = { ...app.deps.config, DEMO: true, DATA_DIR: dir };
      await applyDemoSecrets(app.deps);
      expect(app.deps.config.CASSO_WEBHOOK_SECRET).toBeUndefined();
      expect(await readDemoSecrets(dir)).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
