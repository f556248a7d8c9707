import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../support/app.js';
import { createCommune } from '../../support/factories.js';

let app: TestApp;
let commune: string;
beforeAll(async () => {
  app = await startTestApp();
  ({ commune } = await createCommune(app));
});
afterAll(() => app?.close());

const get = (query: string) => app.api('GET', `/v1/metrics/cashless?${query}`);

describe('metrics: bad input gets a clear 4xx', () => {
  it('an unknown unit is 404', async () => {
    const res = await get('unit=NO-SUCH-UNIT&from=2026-11-01&to=2026-11-30');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('from after to is 422 invalid_range', async () => {
    const res = await get(`unit=${commune}&from=2026-12-01&to=2026-11-30`);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_range');
  });

  it('more than 366 days by day, or 1096 days otherwise, is 422 range_too_large', async () => {
    const byDay = await get(`unit=${commune}&from=2025-01-01&to=2026-01-02&groupBy=day`);
    expect(byDay.status).toBe(422);
    expect(byDay.body.error).toMatchObject({ code: 'range_too_large', details: { days: 367, maxDays: 366 } });
    expect((await get(`unit=${commune}&from=2025-01-01&to=2026-01-01&groupBy=day`)).status).toBe(200);
    const byMonth = await get(`unit=${commune}&from=2020-01-01&to=2026-01-01&groupBy=month`);
    expect(byMonth.status).toBe(422);
    expect(byMonth.body.error.code).toBe('range_too_large');
  });

  it('an unknown groupBy and a date that is not a calendar day are 400', async () => {
    const group = await get(`unit=${commune}&groupBy=week`);
    expect(group.status).toBe(400);
    expect(group.body.error.code).toBe('validation_failed');
    expect(group.body.error.details[0].path).toBe('groupBy');
    const date = await get(`unit=${commune}&from=2026-02-30&to=2026-03-01`);
    expect(date.status).toBe(400);
    expect(date.body.error.details[0].path).toBe('from');
    expect((await get(`unit=${commune}&to=01/03/2026`)).status).toBe(400);
  });

  it('an admin key must name the unit; the CSV answers the same errors', async () => {
    const res = await get('from=2026-11-01&to=2026-11-30');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('unit_required');
    const csv = await app.api(
      'GET',
      `/v1/metrics/cashless.csv?unit=${commune}&from=2026-12-01&to=2026-11-30`,
    );
    expect(csv.status).toBe(422);
    expect(csv.body.error.code).toBe('invalid_range');
  });
});
