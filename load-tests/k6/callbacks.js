/**
 * Callback ingest: signed callbacks in every provider format (generic, SePay with its API key and with
 * HMAC signing, payOS, Casso) at a fixed arrival rate, with a share of them delivered twice, as providers
 * retry. A repeat must get the same success answer as the first delivery.
 *
 *   k6 run -e BASE_URL=http://127.0.0.1:3000 \
 *          -e GENERIC_WEBHOOK_SECRET=... -e SEPAY_API_KEY=... -e SEPAY_WEBHOOK_SECRET=... \
 *          -e PAYOS_CHECKSUM_KEY=... -e CASSO_WEBHOOK_SECRET=... \
 *          [-e RATE=2000] [-e DURATION=60s] [-e DUPLICATES=0.1] [-e PROVIDERS=generic,sepay,...] \
 *          [-e REFERENCES=CCxxxx:150000:0123456789,...] [-e STALL_ACCOUNTS=0123,...] \
 *          load-tests/k6/callbacks.js
 *
 * REFERENCES (reference:amount:receiving account of issued payment requests) and STALL_ACCOUNTS (market
 * stalls' accounts) make the callbacks matchable; without them they all end up unmatched, which still
 * loads ingest. Only the providers whose secret is set are used.
 * Thresholds: under 1% failed, every check, p95 and p99 of the acknowledgement (ACK_P95_MS, ACK_P99_MS).
 */
import { check } from 'k6';
import http from 'k6/http';
import { buildCallback, callbackFor, PROVIDERS } from './formats.js';
import { baseUrl, env, hmacHex, listEnv, numberEnv } from './lib.js';

const BASE = baseUrl();
const secrets = {
  GENERIC_WEBHOOK_SECRET: env('GENERIC_WEBHOOK_SECRET', ''),
  SEPAY_API_KEY: env('SEPAY_API_KEY', ''),
  SEPAY_WEBHOOK_SECRET: env('SEPAY_WEBHOOK_SECRET', ''),
  PAYOS_CHECKSUM_KEY: env('PAYOS_CHECKSUM_KEY', ''),
  CASSO_WEBHOOK_SECRET: env('CASSO_WEBHOOK_SECRET', ''),
};
const SECRET_OF = {
  generic: 'GENERIC_WEBHOOK_SECRET',
  sepay: 'SEPAY_API_KEY',
  'sepay-hmac': 'SEPAY_WEBHOOK_SECRET',
  payos: 'PAYOS_CHECKSUM_KEY',
  casso: 'CASSO_WEBHOOK_SECRET',
};
const wanted = listEnv('PROVIDERS');
const formats = (wanted.length > 0 ? wanted : PROVIDERS).filter((f) => secrets[SECRET_OF[f]]);
if (formats.length === 0) throw new Error('set the secret of at least one provider (see the header)');

const DUPLICATES = numberEnv('DUPLICATES', 0.1);
const world = {
  // Ids unique per run and per VU: a VU's i-th callback is idBase + VU * 10^7 + i.
  idBase: numberEnv('ID_BASE', (Date.now() % 1e9) * 1000),
  requests: listEnv('REFERENCES').map((s) => {
    const [reference, amount, accountNumber] = s.split(':');
    return { reference, amount: Number(amount), accountNumber };
  }),
  stalls: listEnv('STALL_ACCOUNTS'),
};

export const options = {
  scenarios: {
    callbacks: {
      executor: 'constant-arrival-rate',
      rate: numberEnv('RATE', 2000),
      timeUnit: '1s',
      duration: env('DURATION', '60s'),
      preAllocatedVUs: numberEnv('VUS', 100),
      maxVUs: numberEnv('MAX_VUS', 500),
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    checks: ['rate==1'],
    http_req_duration: [`p(95)<${numberEnv('ACK_P95_MS', 15)}`, `p(99)<${numberEnv('ACK_P99_MS', 25)}`],
  },
};

// Per VU: the last callbacks sent, to deliver some of them again.
const sent = [];

export default function () {
  let cb;
  if (sent.length > 0 && Math.random() < DUPLICATES) {
    cb = sent[Math.floor(Math.random() * sent.length)];
  } else {
    const i = __VU * 1e7 + __ITER;
    const { format, credit } = callbackFor(i, world, formats);
    cb = buildCallback(format, credit, secrets, hmacHex, Date.now());
    sent.push(cb);
    if (sent.length > 200) sent.shift();
  }
  const res = http.post(`${BASE}${cb.path}`, cb.body, {
    headers: cb.headers,
    tags: { name: cb.path },
  });
  check(res, { 'callback: 2xx': (r) => r.status >= 200 && r.status < 300 });
}
