import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../support/app.js';
import { createCommune, createKey, createPayee } from '../../support/factories.js';
import { fact, type MetricsGroup, recordFacts } from '../../support/metrics-factories.js';

let app: TestApp;
let a: Awaited<ReturnType<typeof createCommune>>;
let b: { commune: string; hamlets: string[] };
let stallA: { id: string };
const range = 'from=2026-11-01&to=2026-11-30';

beforeAll(async () => {
  app = await startTestApp();
  a = await createCommune(app);
  // A second commune in the same province.
  b = { commune: `${a.commune}B`, hamlets: [`${a.commune}B-H1`] };
  for (const unit of [
    { code: b.commune, name: 'Xã B', level: 'commune', parentCode: a.province },
    { code: b.hamlets[0], name: 'Thôn B1', level: 'hamlet', parentCode: b.commune },
  ]) {
    expect((await app.api('POST', '/v1/units', unit)).status).toBe(201);
  }
  stallA = await createPayee(app, a.hamlets[0]!);
  const stallB = await createPayee(app, b.hamlets[0]!);
  await recordFacts(app, [
    fact({ unitCode: a.hamlets[0]!, payeeId: stallA.id, value: 10_000, payerKey: 'A-1' }),
    fact({ unitCode: a.hamlets[1]!, payeeId: stallA.id, value: 5_000, channel: 'cash', payerKey: 'A-2' }),
    fact({ unitCode: b.hamlets[0]!, payeeId: stallB.id, value: 70_000, payerKey: 'B-1' }),
  ]);
});
afterAll(() => app?.close());

describe('metrics: who sees what', () => {
  it('a province sees the sum of its communes, grouped by commune', async () => {
    const key = await createKey(app, { role: 'staff', unitCode: a.province });
    const res = await app.api(
      'GET',
      `/v1/metrics/cashless?unit=${a.province}&${range}&groupBy=unit`,
      undefined,
      key,
    );
    expect(res.status).toBe(200);
    expect(res.body.totals.cashless).toEqual({ count: 2, value: 80_000, payers: 2 });
    expect(res.body.totals.cash).toEqual({ count: 1, value: 5_000, payers: 1 });
    expect(res.body.market.stalls).toBe(2);
    expect(res.body.groups.map((g: MetricsGroup) => [g.key, g.cashless.value + g.cash.value])).toEqual([
      [a.commune, 15_000],
      [b.commune, 70_000],
    ]);
  });

  it('a commune’s staff see their commune (by default) and not another commune: 404', async () => {
    const key = await createKey(app, { role: 'staff', unitCode: a.commune });
    const own = await app.api('GET', `/v1/metrics/cashless?${range}`, undefined, key);
    expect(own.status).toBe(200);
    expect(own.body.unit).toBe(a.commune);
    expect(own.body.totals.cashless.value).toBe(10_000);
    for (const unit of [b.commune, b.hamlets[0], a.province]) {
      const other = await app.api('GET', `/v1/metrics/cashless?unit=${unit}&${range}`, undefined, key);
      expect(other.status).toBe(404);
      expect(other.body.error.code).toBe('not_found');
      const csv = await app.api('GET', `/v1/metrics/cashless.csv?unit=${unit}&${range}`, undefined, key);
      expect(csv.status).toBe(404);
    }
  });

  it('a payee key may not read metrics (403); no key is 401', async () => {
    const key = await createKey(app, { role: 'payee', payeeId: stallA.id });
    const res = await app.api('GET', `/v1/metrics/cashless?unit=${a.commune}&${range}`, undefined, key);
    expect(res.status).toBe(403);
    expect((await app.api('GET', `/v1/metrics/cashless?unit=${a.commune}`, undefined, null)).status).toBe(
      401,
    );
  });
});
