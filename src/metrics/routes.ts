import { createRoute, z } from '@hono/zod-openapi';
import { bearerSecurity, errorResponses, jsonContent } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { metricsCsv } from './csv.js';
import { cashlessReport, metricsPeriod, metricsUnit } from './report.js';
import { metricsQuery, metricsResponse } from './schema.js';

const description =
  'Cashless ratios (cashless / (cashless + cash)) by count, value (VND) and distinct payers, for a unit and ' +
  'everything below it, over calendar days in Asia/Ho_Chi_Minh. Read from rollups only. ' +
  '`from` after `to` → 422 `invalid_range`; more than 366 days with `groupBy=day` or 1096 days otherwise → ' +
  '422 `range_too_large`; a unit unknown or outside the key’s scope → 404.';

const cashlessRoute = createRoute({
  method: 'get',
  path: '/metrics/cashless',
  tags: ['Metrics'],
  summary: 'Cashless-payment metrics of a unit',
  description,
  security: bearerSecurity,
  request: { query: metricsQuery },
  responses: { 200: jsonContent(metricsResponse, 'The metrics'), ...errorResponses },
});

const cashlessCsvRoute = createRoute({
  method: 'get',
  path: '/metrics/cashless.csv',
  tags: ['Metrics'],
  summary: 'The same metrics as CSV',
  description: `${description} The first row after the header is the total; then one row per group.`,
  security: bearerSecurity,
  request: { query: metricsQuery },
  responses: {
    200: { description: 'CSV (UTF-8 with BOM)', content: { 'text/csv': { schema: z.string() } } },
    ...errorResponses,
  },
});

export const metricsRoutes = createRouter()
  .openapi(cashlessRoute, async (c) => {
    const { db, clock } = c.var.deps;
    const q = c.req.valid('query');
    const unit = await metricsUnit(db, c.var.principal, q.unit);
    const period = metricsPeriod(clock, q);
    return c.json(await cashlessReport(db, unit, period, q.groupBy), 200);
  })
  .openapi(cashlessCsvRoute, async (c) => {
    const { db, clock } = c.var.deps;
    const q = c.req.valid('query');
    const unit = await metricsUnit(db, c.var.principal, q.unit);
    const period = metricsPeriod(clock, q);
    const report = await cashlessReport(db, unit, period, q.groupBy);
    const name = `cashless-${unit.code}-${period.from}-${period.to}${q.groupBy ? `-by-${q.groupBy}` : ''}.csv`;
    return c.body(metricsCsv(report), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`,
    });
  });
