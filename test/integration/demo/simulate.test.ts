import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoCommune } from '../../../src/demo/commune.js';
import { buildCommune } from '../../../src/demo/model.js';
import { planMonth } from '../../../src/demo/month.js';
import { formatReport, runMonth } from '../../../src/demo/run.js';
import { httpTransport } from '../../../src/demo/transport.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { secrets } from '../../support/callback-factories.js';

/** The month before the current one (UTC is close enough: the plan only needs a month in the past). */
function lastMonth(): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
}

describe('a simulated month of the demo commune', () => {
  let app: TestApp;
  const scale = 0.02;
  const commune = buildCommune(scale);

  beforeAll(async () => {
    app = await startTestApp({ env: secrets });
    await seedDemoCommune(app.deps, { scale });
  });
  afterAll(() => app?.close());

  it('reports exactly the ground truth: counts, values, payers, per category, hamlet, channel and day', async () => {
    // A lighter market (30 % of its sales) keeps the test quick; the proportions stay the same.
    const plan = planMonth(commune, { month: lastMonth(), seed: 7, marketVolume: 0.3 });
    // Every way a credit reaches the service is in the plan.
    const deliveries = new Set(plan.credits.map((c) => c.delivery));
    expect([...deliveries].sort()).toEqual(['duplicate', 'late', 'missing', 'on_time']);
    expect(new Set(plan.credits.map((c) => c.provider))).toEqual(
      new Set(['sepay', 'payos', 'casso', 'generic']),
    );

    const report = await runMonth({
      transport: httpTransport(app.url),
      adminKey: app.adminKey,
      secrets,
      commune,
      plan,
      concurrency: 16,
      log: (line) => console.log(line),
    });
    console.log(formatReport(report, commune));
    expect(report.mismatches, formatReport(report, commune)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.counts.statements).toBeGreaterThan(0);
    expect(report.counts.payments).toBeGreaterThan(1000);
  }, 600_000);
});
