/**
 * Dashboard and metrics reads: a staff key reads its unit's cashless metrics the way the dashboard does
 * (this month, by category; this year by month; by hamlet), plus the CSV export now and then.
 *
 *   k6 run -e BASE_URL=http://127.0.0.1:3000 -e API_KEY=<staff key> -e UNIT=<unit code> \
 *          [-e VUS=10] [-e DURATION=60s] [-e P95_MS=50] load-tests/k6/metrics.js
 *
 * Thresholds: under 1% failed, every check, p95 of the metrics reads under P95_MS.
 */
import { check } from 'k6';
import http from 'k6/http';
import { baseUrl, bearer, env, numberEnv } from './lib.js';

const BASE = baseUrl();
const KEY = env('API_KEY');
const UNIT = env('UNIT');

export const options = {
  scenarios: {
    dashboard: {
      executor: 'constant-vus',
      vus: numberEnv('VUS', 10),
      duration: env('DURATION', '60s'),
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    checks: ['rate==1'],
    'http_req_duration{kind:metrics}': [`p(95)<${numberEnv('P95_MS', 50)}`],
  },
};

const year = new Date().toISOString().slice(0, 4);
const QUERIES = [
  `unit=${UNIT}`,
  `unit=${UNIT}&groupBy=category`,
  `unit=${UNIT}&groupBy=unit`,
  `unit=${UNIT}&groupBy=channel`,
  `unit=${UNIT}&from=${year}-01-01&to=${year}-12-31&groupBy=month`,
];

export default function () {
  const q = QUERIES[__ITER % QUERIES.length];
  const res = http.get(`${BASE}/v1/metrics/cashless?${q}`, {
    headers: bearer(KEY),
    tags: { kind: 'metrics', name: 'GET /v1/metrics/cashless' },
  });
  check(res, {
    'metrics: 200': (r) => r.status === 200,
    'metrics: has totals': (r) => r.json('totals.ratio') !== undefined,
  });
  if (__ITER % 20 === 0) {
    const csv = http.get(`${BASE}/v1/metrics/cashless.csv?unit=${UNIT}&groupBy=unit`, {
      headers: bearer(KEY),
      tags: { kind: 'csv' },
    });
    check(csv, { 'csv: 200': (r) => r.status === 200 });
  }
}
