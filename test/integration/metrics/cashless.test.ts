import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvColumns } from '../../../src/metrics/csv.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import {
  createMetricsCommune,
  fact,
  type MetricsGroup,
  recordFacts,
} from '../../support/metrics-factories.js';

let app: TestApp;
let c: Awaited<ReturnType<typeof createMetricsCommune>>;
const range = 'from=2026-11-01&to=2026-12-31';

beforeAll(async () => {
  app = await startTestApp();
  c = await createMetricsCommune(app);
  const [h1, h2] = c.hamlets as [string, string];
  const [s1, s2] = c.stalls;
  const hh = (h: number, n: number) => c.households[h]![n]!;
  await recordFacts(app, [
    fact({ unitCode: h1, payeeId: s1!.id, value: 100_000, payerKey: hh(0, 0) }),
    fact({ unitCode: h1, payeeId: s1!.id, value: 50_000, payerKey: hh(0, 0) }),
    fact({
      unitCode: h1,
      payeeId: s2!.id,
      channel: 'cash',
      value: 30_000,
      payerKey: hh(0, 1),
      occurredAt: new Date('2026-11-11T02:00:00Z'),
    }),
    // 00:30 on 21 November in Vietnam: counts on the 21st.
    fact({
      unitCode: h2,
      payeeId: c.school.id,
      payeeKind: 'school',
      category: 'school_fee',
      channel: 'transfer',
      value: 1_500_000,
      payerKey: hh(1, 0),
      occurredAt: new Date('2026-11-20T17:30:00Z'),
    }),
    fact({
      unitCode: h2,
      payeeId: c.school.id,
      payeeKind: 'school',
      category: 'school_fee',
      channel: 'cash',
      value: 1_500_000,
      payerKey: hh(1, 1),
      occurredAt: new Date('2026-11-21T03:00:00Z'),
    }),
    // A student reference, not a household: a payer, but not an adopting household.
    fact({
      unitCode: h2,
      payeeId: c.school.id,
      payeeKind: 'school',
      category: 'school_fee',
      channel: 'transfer',
      value: 700_000,
      payerKey: 'HS-0007',
      occurredAt: new Date('2026-11-05T03:00:00Z'),
    }),
    // Cash at a stall from an unknown payer, counted on the commune itself.
    fact({
      unitCode: c.commune,
      payeeId: s2!.id,
      channel: 'cash',
      value: 20_000,
      occurredAt: new Date('2026-12-01T03:00:00Z'),
    }),
  ]);
});
afterAll(() => app?.close());

const tally = (count: number, value: number, payers: number) => ({ count, value, payers });

describe('GET /v1/metrics/cashless', () => {
  it('answers totals, ratios by count, value and payers, household adoption and market stalls', async () => {
    const res = await app.api('GET', `/v1/metrics/cashless?unit=${c.commune}&${range}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      unit: c.commune,
      from: '2026-11-01',
      to: '2026-12-31',
      groupBy: null,
      totals: {
        cashless: tally(4, 2_350_000, 3),
        cash: tally(3, 1_550_000, 2),
        ratio: { count: 0.571429, value: 0.602564, payers: 0.6 },
      },
      groups: [],
      households: { total: 8, adopters: 2, adoptionRate: 0.25 },
      market: { stalls: 2, stallsWithQr: 2, stallsPaidByQr: 1 },
    });
  });

  it('groups by the direct child units, each with its households, and the commune itself last', async () => {
    const res = await app.api('GET', `/v1/metrics/cashless?unit=${c.commune}&${range}&groupBy=unit`);
    expect(res.status).toBe(200);
    expect(res.body.groups).toEqual([
      {
        key: c.hamlets[0],
        name: 'Thôn 1',
        cashless: tally(2, 150_000, 1),
        cash: tally(1, 30_000, 1),
        ratio: { count: 0.666667, value: 0.833333, payers: 0.5 },
        households: { total: 4, adopters: 1, adoptionRate: 0.25 },
      },
      {
        key: c.hamlets[1],
        name: 'Thôn 2',
        cashless: tally(2, 2_200_000, 2),
        cash: tally(1, 1_500_000, 1),
        ratio: { count: 0.666667, value: 0.594595, payers: 0.666667 },
        households: { total: 4, adopters: 1, adoptionRate: 0.25 },
      },
      {
        key: c.commune,
        name: expect.any(String),
        cashless: tally(0, 0, 0),
        cash: tally(1, 20_000, 0),
        ratio: { count: 0, value: 0, payers: null },
        households: { total: 0, adopters: 0, adoptionRate: null },
      },
    ]);
  });

  it('groups by category, listing every category', async () => {
    const res = await app.api('GET', `/v1/metrics/cashless?unit=${c.commune}&${range}&groupBy=category`);
    const byKey = Object.fromEntries(res.body.groups.map((g: { key: string }) => [g.key, g]));
    expect(res.body.groups.map((g: { key: string }) => g.key)).toEqual([
      'market',
      'school_fee',
      'electricity',
      'water',
      'environment_fee',
      'public_service_fee',
      'other',
    ]);
    expect(byKey.market).toMatchObject({ cashless: tally(2, 150_000, 1), cash: tally(2, 50_000, 1) });
    expect(byKey.school_fee).toMatchObject({
      cashless: tally(2, 2_200_000, 2),
      cash: tally(1, 1_500_000, 1),
    });
    expect(byKey.water).toEqual({
      key: 'water',
      cashless: tally(0, 0, 0),
      cash: tally(0, 0, 0),
      ratio: { count: null, value: null, payers: null },
    });
  });

  it('groups by channel', async () => {
    const res = await app.api('GET', `/v1/metrics/cashless?unit=${c.commune}&${range}&groupBy=channel`);
    const rows = res.body.groups.map((g: MetricsGroup) => [g.key, g.cashless, g.cash]);
    expect(rows).toEqual([
      ['qr', tally(2, 150_000, 1), tally(0, 0, 0)],
      ['transfer', tally(2, 2_200_000, 2), tally(0, 0, 0)],
      ['ewallet', tally(0, 0, 0), tally(0, 0, 0)],
      ['cash', tally(0, 0, 0), tally(3, 1_550_000, 2)],
    ]);
  });

  it('groups by month and by Vietnam calendar day (17:30 UTC on the 20th is the 21st)', async () => {
    const months = await app.api('GET', `/v1/metrics/cashless?unit=${c.commune}&${range}&groupBy=month`);
    expect(months.body.groups.map((g: MetricsGroup) => [g.key, g.cashless, g.cash])).toEqual([
      ['2026-11', tally(4, 2_350_000, 3), tally(2, 1_530_000, 2)],
      ['2026-12', tally(0, 0, 0), tally(1, 20_000, 0)],
    ]);
    const days = await app.api(
      'GET',
      `/v1/metrics/cashless?unit=${c.commune}&from=2026-11-20&to=2026-11-21&groupBy=day`,
    );
    expect(days.body.groups.map((g: MetricsGroup) => [g.key, g.cashless, g.cash])).toEqual([
      ['2026-11-20', tally(0, 0, 0), tally(0, 0, 0)],
      ['2026-11-21', tally(1, 1_500_000, 1), tally(1, 1_500_000, 1)],
    ]);
    expect(days.body.totals.ratio).toEqual({ count: 0.5, value: 0.5, payers: 0.5 });
  });

  it('a hamlet sees only its own payments; an empty period has null ratios', async () => {
    const hamlet = await app.api('GET', `/v1/metrics/cashless?unit=${c.hamlets[0]}&${range}`);
    expect(hamlet.body.totals).toMatchObject({ cashless: tally(2, 150_000, 1), cash: tally(1, 30_000, 1) });
    expect(hamlet.body.households).toEqual({ total: 4, adopters: 1, adoptionRate: 0.25 });
    const empty = await app.api(
      'GET',
      `/v1/metrics/cashless?unit=${c.commune}&from=2026-01-01&to=2026-01-31`,
    );
    expect(empty.body.totals.ratio).toEqual({ count: null, value: null, payers: null });
    expect(empty.body.households).toEqual({ total: 8, adopters: 0, adoptionRate: 0 });
    expect(empty.body.market).toEqual({ stalls: 2, stallsWithQr: 2, stallsPaidByQr: 0 });
  });
});

describe('GET /v1/metrics/cashless.csv', () => {
  it('answers the same figures as CSV: a total row, then one row per group', async () => {
    const res = await fetch(`${app.url}/v1/metrics/cashless.csv?unit=${c.commune}&${range}&groupBy=unit`, {
      headers: { authorization: `Bearer ${app.adminKey}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toContain(`cashless-${c.commune}-2026-11-01-2026-12-31`);
    const text = (await res.text()).replace(/^\uFEFF/, '');
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(csvColumns.join(','));
    expect(lines[1]).toBe(
      `${c.commune},2026-11-01,2026-12-31,total,total,,4,2350000,3,3,1550000,2,0.571429,0.602564,0.6,8,2,0.25,2,2,1`,
    );
    expect(lines[2]).toBe(
      `${c.commune},2026-11-01,2026-12-31,unit,${c.hamlets[0]},Thôn 1,2,150000,1,1,30000,1,0.666667,0.833333,0.5,4,1,0.25,,,`,
    );
    expect(lines).toHaveLength(5);
  });
});
