/**
 * QR issuing: a payee's system creates a payment request (a bill) and fetches its QR image, and a
 * stall's static QR is fetched from the image cache.
 *
 *   k6 run -e BASE_URL=http://127.0.0.1:3000 -e API_KEY=<payee or staff key> -e PAYEE_ID=<uuid> \
 *          [-e STALL_ID=<uuid>] [-e RATE=200] [-e DURATION=60s] load-tests/k6/qr-issuing.js
 *
 * Each iteration: POST /v1/payment-requests (with a unique externalId) → 201, then
 * GET /v1/payment-requests/{id}/qr.png → 200 image/png, then (with STALL_ID) GET /v1/payees/{id}/qr.png.
 * Thresholds: under 1% failed requests, 99% of checks pass, p95 per step (ISSUE_P95_MS, PNG_P95_MS).
 */
import { check } from 'k6';
import http from 'k6/http';
import { baseUrl, bearer, env, numberEnv } from './lib.js';

const BASE = baseUrl();
const KEY = env('API_KEY');
const PAYEE_ID = env('PAYEE_ID');
const STALL_ID = env('STALL_ID', '');
const RUN = env('RUN_ID', String(Date.now()));

export const options = {
  scenarios: {
    issue: {
      executor: 'constant-arrival-rate',
      rate: numberEnv('RATE', 200),
      timeUnit: '1s',
      duration: env('DURATION', '60s'),
      preAllocatedVUs: numberEnv('VUS', 50),
      maxVUs: numberEnv('MAX_VUS', 200),
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
    'http_req_duration{step:issue}': [`p(95)<${numberEnv('ISSUE_P95_MS', 50)}`],
    'http_req_duration{step:png}': [`p(95)<${numberEnv('PNG_P95_MS', 25)}`],
    'http_req_duration{step:stall_png}': [`p(95)<${numberEnv('PNG_P95_MS', 25)}`],
  },
};

const CATEGORIES = ['school_fee', 'electricity', 'water', 'environment_fee', 'public_service_fee'];

export default function () {
  const n = `${RUN}-${__VU}-${__ITER}`;
  const headers = { ...bearer(KEY), 'content-type': 'application/json' };
  const created = http.post(
    `${BASE}/v1/payment-requests`,
    JSON.stringify({
      payeeId: PAYEE_ID,
      amount: 100000 + (__ITER % 100) * 5000,
      category: CATEGORIES[__ITER % CATEGORIES.length],
      purpose: 'Hoc phi thang 9',
      payerRef: `HS${__VU}-${__ITER}`,
      payerGroup: `${6 + (__ITER % 4)}A`,
      externalId: `k6-${n}`,
    }),
    { headers, tags: { step: 'issue' } },
  );
  const ok = check(created, {
    'issue: 201': (r) => r.status === 201,
    'issue: has a reference and payload': (r) => {
      const b = r.json();
      return typeof b.reference === 'string' && typeof b.payload === 'string';
    },
  });
  if (!ok) return;
  const id = created.json('id');
  const png = http.get(`${BASE}/v1/payment-requests/${id}/qr.png`, {
    headers: bearer(KEY),
    tags: { step: 'png', name: 'GET /v1/payment-requests/{id}/qr.png' },
  });
  check(png, {
    'png: 200': (r) => r.status === 200,
    'png: image/png': (r) => String(r.headers['Content-Type']).startsWith('image/png'),
  });
  if (STALL_ID) {
    const stall = http.get(`${BASE}/v1/payees/${STALL_ID}/qr.png`, {
      headers: bearer(KEY),
      tags: { step: 'stall_png' },
    });
    check(stall, { 'stall png: 200': (r) => r.status === 200 });
  }
}
