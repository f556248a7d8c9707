// The scope matrix: every /v1 endpoint × every kind of key × a resource in and out of the key's scope.
// Expected (shared/api.md "Auth"): out of scope, a resource is 404 (its existence is not revealed) and an
// action is 403; a reference to an out-of-scope resource inside a body reads as unknown (422
// unknown_<thing>, the same answer as for one that does not exist); no key or a wrong key is 401.
// Every documented /v1 operation must have a row here (the last test checks), so a new endpoint gets
// its scope tested.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchTransaction } from '../../../src/transactions/matcher.js';
import { recordCredit } from '../../../src/transactions/record.js';
import { backend, startTestApp, type TestApp } from '../../support/app.js';
import {
  createRequest,
  genericCallback,
  postCallback,
  secrets,
  settle,
} from '../../support/callback-factories.js';
import { createKey, createPayee } from '../../support/factories.js';

type Who = 'admin' | 'provinceStaff' | 'communeStaff' | 'otherCommuneStaff' | 'payee' | 'otherPayee';
type Where = 'A' | 'C' | 'D';
const everyone: Who[] = [
  'admin',
  'provinceStaff',
  'communeStaff',
  'otherCommuneStaff',
  'payee',
  'otherPayee',
];
const places: Where[] = ['A', 'C', 'D'];

// Province P holds communes C1 (A: the school of the commune key and of the payee key) and C2 (C);
// province Q holds commune C3 (D). `otherPayee` is a stall in C1 that owns none of these.
const unitSees: Record<Who, Where[]> = {
  admin: ['A', 'C', 'D'],
  provinceStaff: ['A', 'C'],
  communeStaff: ['A'],
  otherCommuneStaff: ['C'],
  payee: [],
  otherPayee: [],
};
const payeeSees: Record<Who, Where[]> = { ...unitSees, payee: ['A'], otherPayee: [] };
const isPayeeKey = (w: Who) => w === 'payee' || w === 'otherPayee';

type Place = {
  province: string;
  commune: string;
  hamlet: string;
  payee: { id: string; accountNumber: string };
  request: { id: string; reference: string };
  batchId: string;
  cashId: string;
  transactionId: string;
};

let app: TestApp;
const world = {} as Record<Where, Place>;
const keys = {} as Record<Who, string>;
const tag = () => randomBytes(3).toString('hex').toUpperCase();

async function api(
  method: string,
  path: string,
  body?: unknown,
  key?: string | null,
  headers?: Record<string, string>,
) {
  const res = await app.api(method, path, body, key, headers);
  expect(res.status, `${method} ${path} ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

/** An unmatched credit on the place's account (the payee is known from the account, nothing else). */
async function unmatchedCredit(p: Place) {
  const { transactionId } = await recordCredit(app.deps.db, {
    channel: 'callback:generic',
    sourceRef: `scope-${tag()}${tag()}`,
    direction: 'in',
    accountNumber: p.payee.accountNumber,
    amount: 7_000,
    memo: 'khong ro noi dung',
    bookedAt: new Date(),
  });
  expect(await matchTransaction(app.deps.db, transactionId)).toBe('unmatched');
  return transactionId;
}

async function buildPlace(province: string, commune: string): Promise<Place> {
  const hamlet = `${commune}-H`;
  await api('POST', '/v1/units', { code: hamlet, name: 'Thôn', level: 'hamlet', parentCode: commune });
  const payee = await createPayee(app, commune, { kind: 'school', stallNo: undefined });
  const request = await createRequest(app, payee, commune, 120_000);
  const batch = await api('POST', '/v1/payment-requests/batch', {
    payeeId: payee.id,
    category: 'school_fee',
    items: [{ amount: 50_000, payerRef: 'HS1' }],
  });
  const cash = await api('POST', '/v1/cash-payments', {
    payeeId: payee.id,
    amount: 10_000,
    category: 'water',
  });
  const place: Place = {
    transactionId: '',
    province,
    commune,
    hamlet,
    payee,
    request,
    batchId: batch.batchId,
    cashId: cash.id,
  };
  place.transactionId = await unmatchedCredit(place);
  return place;
}

beforeAll(async () => {
  app = await startTestApp({ env: { ...secrets, RATE_LIMIT_AUTH_FAILURES: '0' } });
  const s = tag();
  const [P, Q] = [`P${s}`, `Q${s}`];
  await api('POST', '/v1/units', { code: P, name: 'Tỉnh P', level: 'province' });
  await api('POST', '/v1/units', { code: Q, name: 'Tỉnh Q', level: 'province' });
  for (const [c, parent] of [
    [`C1${s}`, P],
    [`C2${s}`, P],
    [`C3${s}`, Q],
  ] as const) {
    await api('POST', '/v1/units', { code: c, name: `Xã ${c}`, level: 'commune', parentCode: parent });
  }
  world.A = await buildPlace(P, `C1${s}`);
  world.C = await buildPlace(P, `C2${s}`);
  world.D = await buildPlace(Q, `C3${s}`);
  const stall = await createPayee(app, world.A.hamlet);
  keys.admin = app.adminKey;
  keys.provinceStaff = await createKey(app, { role: 'staff', unitCode: P });
  keys.communeStaff = await createKey(app, { role: 'staff', unitCode: world.A.commune });
  keys.otherCommuneStaff = await createKey(app, { role: 'staff', unitCode: world.C.commune });
  keys.payee = await createKey(app, { role: 'payee', payeeId: world.A.payee.id });
  keys.otherPayee = await createKey(app, { role: 'payee', payeeId: stall.id });
  // Something matched, so lists and metrics have content.
  const paid = genericCallback({
    accountNumber: world.A.payee.accountNumber,
    amount: 120_000,
    description: `hoc phi ${world.A.request.reference}`,
  });
  expect((await postCallback(app, 'generic', paid)).status).toBe(200);
  await settle(app);
}, 300_000);
afterAll(() => app?.close());

type Call = { method: string; path: string; body?: unknown; contentType?: string };
type Expected = number | { status: number; contains: boolean };
type Row = {
  /** The operation as OpenAPI names it. */
  op: string;
  /** The request for a place (may create fresh data for it first: every call of an action gets its own). */
  call(p: Place): Promise<Call> | Call;
  expect(who: Who, where: Where): Expected;
  /** For listings: does the answer include the place's resource? */
  // biome-ignore lint/suspicious/noExplicitAny: a JSON answer, read by tests
  contains?(body: any, p: Place): boolean;
};

// Expectation shapes.
const read = (sees: Record<Who, Where[]>) => (w: Who, at: Where) => (sees[w].includes(at) ? 200 : 404);
const listed = (w: Who, at: Where): Expected => ({ status: 200, contains: payeeSees[w].includes(at) });
const staffCreates = (created: number) => (w: Who, at: Where) =>
  isPayeeKey(w) ? 403 : unitSees[w].includes(at) ? created : 422;
const issues = (w: Who, at: Where) => (payeeSees[w].includes(at) ? 201 : 422);
const staffActs = (done: number) => (w: Who, at: Where) =>
  !payeeSees[w].includes(at) ? 404 : isPayeeKey(w) ? 403 : done;
const staffReads = (w: Who, at: Where) => (isPayeeKey(w) ? 403 : unitSees[w].includes(at) ? 200 : 404);
const adminOnly = (ok: number) => (w: Who) => (w === 'admin' ? ok : 403);

// biome-ignore lint/suspicious/noExplicitAny: a JSON answer, read by tests
const hasId = (id: (p: Place) => string) => (body: any, p: Place) =>
  (body.items as { id: string }[]).some((i) => i.id === id(p));

const vnNow = () => {
  const iso = new Date(Date.now() + 7 * 3600_000).toISOString();
  const [y, m, d] = iso.slice(0, 10).split('-');
  return `${d}/${m}/${y} ${iso.slice(11, 19)}`;
};

/** A fresh payee key for the place (made by the admin); the listing row looks for the latest one. */
const freshKeyOf = {} as Record<string, string>;
async function freshPayeeKey(p: Place): Promise<string> {
  const { id } = await api('POST', '/v1/api-keys', { role: 'payee', payeeId: p.payee.id, label: 'fresh' });
  freshKeyOf[p.commune] = id;
  return id;
}

const rows: Row[] = [
  {
    op: 'GET /v1/api-keys',
    call: async (p) => {
      await freshPayeeKey(p);
      return { method: 'GET', path: '/v1/api-keys?limit=1000' };
    },
    expect: (w, at) => (isPayeeKey(w) ? 403 : { status: 200, contains: unitSees[w].includes(at) }),
    contains: (body, p) => (body.items as { id: string }[]).some((i) => i.id === freshKeyOf[p.commune]),
  },
  {
    op: 'DELETE /v1/api-keys/{id}',
    call: async (p) => ({ method: 'DELETE', path: `/v1/api-keys/${await freshPayeeKey(p)}` }),
    expect: staffActs(200),
  },
  {
    op: 'POST /v1/api-keys',
    call: (p) => ({
      method: 'POST',
      path: '/v1/api-keys',
      body: { role: 'payee', payeeId: p.payee.id, label: 'x' },
    }),
    expect: staffCreates(201),
  },
  {
    op: 'POST /v1/units',
    call: (p) => ({
      method: 'POST',
      path: '/v1/units',
      body: { code: `${p.commune}-N${tag()}`, name: 'Thôn mới', level: 'hamlet', parentCode: p.commune },
    }),
    expect: staffCreates(201),
  },
  {
    op: 'GET /v1/units/{code}',
    call: (p) => ({ method: 'GET', path: `/v1/units/${p.commune}` }),
    expect: read(unitSees),
  },
  {
    op: 'POST /v1/households',
    call: (p) => ({
      method: 'POST',
      path: '/v1/households',
      body: { code: `HH-${tag()}${tag()}`, unitCode: p.hamlet },
    }),
    expect: staffCreates(201),
  },
  {
    op: 'GET /v1/households',
    call: (p) => ({ method: 'GET', path: `/v1/households?unitCode=${p.commune}` }),
    expect: read(unitSees),
  },
  {
    op: 'POST /v1/payees',
    call: (p) => ({
      method: 'POST',
      path: '/v1/payees',
      body: {
        kind: 'market_vendor',
        name: 'Sạp mới',
        unitCode: p.hamlet,
        bankBin: '970436',
        accountNumber: `55${Date.now() % 1e9}${Math.floor(Math.random() * 1e4)}`,
        accountName: 'NGUYEN VAN B',
      },
    }),
    expect: staffCreates(201),
  },
  {
    op: 'GET /v1/payees',
    call: (p) => ({ method: 'GET', path: `/v1/payees?unitCode=${p.commune}&limit=200` }),
    expect: (w, at) => (isPayeeKey(w) ? listed(w, at) : { status: 200, contains: unitSees[w].includes(at) }),
    contains: hasId((p) => p.payee.id),
  },
  {
    op: 'GET /v1/payees/cards',
    call: (p) => ({ method: 'GET', path: `/v1/payees/cards?unitCode=${p.commune}` }),
    // A payee key sees its own card only (listPayees narrows it); staff outside their unit: 404.
    expect: (w, at) => (isPayeeKey(w) ? 200 : unitSees[w].includes(at) ? 200 : 404),
  },
  {
    op: 'GET /v1/payees/{id}',
    call: (p) => ({ method: 'GET', path: `/v1/payees/${p.payee.id}` }),
    expect: read(payeeSees),
  },
  {
    op: 'GET /v1/payees/{id}/qr.svg',
    call: (p) => ({ method: 'GET', path: `/v1/payees/${p.payee.id}/qr.svg` }),
    expect: read(payeeSees),
  },
  {
    op: 'GET /v1/payees/{id}/qr.png',
    call: (p) => ({ method: 'GET', path: `/v1/payees/${p.payee.id}/qr.png` }),
    expect: read(payeeSees),
  },
  {
    op: 'GET /v1/payees/{id}/card',
    call: (p) => ({ method: 'GET', path: `/v1/payees/${p.payee.id}/card` }),
    expect: read(payeeSees),
  },
  {
    op: 'GET /v1/payees/{id}/events',
    call: (p) => ({ method: 'GET', path: `/v1/payees/${p.payee.id}/events` }),
    expect: read(payeeSees),
  },
  {
    op: 'POST /v1/payees/{id}/login-links',
    call: (p) => ({ method: 'POST', path: `/v1/payees/${p.payee.id}/login-links`, body: {} }),
    expect: staffActs(201),
  },
  {
    op: 'POST /v1/payment-requests',
    call: (p) => ({
      method: 'POST',
      path: '/v1/payment-requests',
      body: { payeeId: p.payee.id, amount: 30_000, category: 'school_fee', payerRef: 'HS9' },
    }),
    expect: issues,
  },
  {
    op: 'POST /v1/payment-requests/batch',
    call: (p) => ({
      method: 'POST',
      path: '/v1/payment-requests/batch',
      body: { payeeId: p.payee.id, category: 'water', items: [{ amount: 20_000 }] },
    }),
    expect: issues,
  },
  {
    op: 'GET /v1/payment-requests',
    call: (p) => ({ method: 'GET', path: `/v1/payment-requests?payeeId=${p.payee.id}&limit=200` }),
    expect: listed,
    contains: hasId((p) => p.request.id),
  },
  {
    op: 'GET /v1/payment-requests/summary',
    call: (p) => ({ method: 'GET', path: `/v1/payment-requests/summary?payeeId=${p.payee.id}` }),
    expect: listed,
    contains: (body) => body.total.count > 0,
  },
  {
    op: 'GET /v1/payment-requests/{id}',
    call: (p) => ({ method: 'GET', path: `/v1/payment-requests/${p.request.id}` }),
    expect: read(payeeSees),
  },
  {
    op: 'GET /v1/payment-requests/{id}/history',
    call: (p) => ({ method: 'GET', path: `/v1/payment-requests/${p.request.id}/history` }),
    expect: read(payeeSees),
  },
  {
    op: 'POST /v1/payment-requests/{id}/cancel',
    call: async (p) => ({
      method: 'POST',
      path: `/v1/payment-requests/${(await createRequest(app, p.payee, p.commune, 10_000)).id}/cancel`,
      body: {},
    }),
    expect: read(payeeSees),
  },
  {
    op: 'GET /v1/payment-requests/{id}/qr.svg',
    call: async (p) => ({
      method: 'GET',
      path: `/v1/payment-requests/${(await createRequest(app, p.payee, p.commune, 10_000)).id}/qr.svg`,
    }),
    expect: read(payeeSees),
  },
  {
    op: 'GET /v1/payment-requests/{id}/qr.png',
    call: async (p) => ({
      method: 'GET',
      path: `/v1/payment-requests/${(await createRequest(app, p.payee, p.commune, 10_000)).id}/qr.png`,
    }),
    expect: read(payeeSees),
  },
  {
    op: 'GET /v1/payment-requests/batches/{batchId}',
    call: (p) => ({ method: 'GET', path: `/v1/payment-requests/batches/${p.batchId}` }),
    expect: read(payeeSees),
  },
  {
    op: 'GET /v1/payment-requests/batches/{batchId}/slips',
    call: (p) => ({ method: 'GET', path: `/v1/payment-requests/batches/${p.batchId}/slips` }),
    expect: read(payeeSees),
  },
  {
    op: 'GET /v1/payment-requests/batches/{batchId}/export.csv',
    call: (p) => ({ method: 'GET', path: `/v1/payment-requests/batches/${p.batchId}/export.csv` }),
    expect: read(payeeSees),
  },
  {
    op: 'POST /v1/cash-payments',
    call: async (p) => ({
      method: 'POST',
      path: '/v1/cash-payments',
      body: { paymentRequestId: (await createRequest(app, p.payee, p.commune, 10_000)).id },
    }),
    expect: issues,
  },
  {
    op: 'GET /v1/cash-payments',
    call: (p) => ({ method: 'GET', path: `/v1/cash-payments?payeeId=${p.payee.id}&limit=200` }),
    expect: listed,
    contains: hasId((p) => p.cashId),
  },
  {
    op: 'GET /v1/cash-payments/{id}',
    call: (p) => ({ method: 'GET', path: `/v1/cash-payments/${p.cashId}` }),
    expect: read(payeeSees),
  },
  {
    op: 'GET /v1/metrics/cashless',
    call: (p) => ({ method: 'GET', path: `/v1/metrics/cashless?unit=${p.commune}` }),
    expect: staffReads,
  },
  {
    op: 'GET /v1/metrics/cashless.csv',
    call: (p) => ({ method: 'GET', path: `/v1/metrics/cashless.csv?unit=${p.commune}` }),
    expect: staffReads,
  },
  {
    op: 'GET /v1/transactions',
    call: (p) => ({ method: 'GET', path: `/v1/transactions?payeeId=${p.payee.id}&limit=500` }),
    expect: listed,
    contains: hasId((p) => p.transactionId),
  },
  {
    op: 'GET /v1/transactions/{id}',
    call: (p) => ({ method: 'GET', path: `/v1/transactions/${p.transactionId}` }),
    expect: read(payeeSees),
  },
  {
    op: 'POST /v1/transactions/{id}/allocate',
    call: async (p) => ({
      method: 'POST',
      path: `/v1/transactions/${await unmatchedCredit(p)}/allocate`,
      body: { paymentRequestId: (await createRequest(app, p.payee, p.commune, 7_000)).id },
    }),
    expect: staffActs(201),
  },
  {
    op: 'POST /v1/transactions/{id}/ignore',
    call: async (p) => ({
      method: 'POST',
      path: `/v1/transactions/${await unmatchedCredit(p)}/ignore`,
      body: { reason: 'test' },
    }),
    expect: staffActs(200),
  },
  {
    op: 'POST /v1/statements',
    call: (p) => ({
      method: 'POST',
      path: `/v1/statements?accountNumber=${p.payee.accountNumber}`,
      contentType: 'text/csv',
      body: `Số tài khoản: ${p.payee.accountNumber}\nSTT,Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Số dư,Mô tả\n1,${vnNow()},FT${tag()}${tag()},,"3,000","3,000",sao ke ${tag()}\n`,
    }),
    // An action on an account: a payee key may not; staff outside the account's unit may not (403).
    expect: (w, at) => (isPayeeKey(w) ? 403 : unitSees[w].includes(at) ? 200 : 403),
  },
  {
    op: 'GET /v1/ops/queues',
    call: () => ({ method: 'GET', path: '/v1/ops/queues' }),
    expect: adminOnly(200),
  },
];

async function send(call: Call, key: string | null) {
  const controller = new AbortController();
  const res = await fetch(app.url + call.path, {
    method: call.method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(call.body !== undefined ? { 'content-type': call.contentType ?? 'application/json' } : {}),
    },
    body:
      call.body === undefined
        ? undefined
        : typeof call.body === 'string'
          ? call.body
          : JSON.stringify(call.body),
    signal: controller.signal,
  });
  // A stream (server-sent events) never ends by itself: its status is the answer.
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    controller.abort();
    return { status: res.status, body: undefined };
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body };
}

describe('scope matrix', () => {
  it.each(rows)('$op', async (row) => {
    const actual: Record<string, Expected> = {};
    const expected: Record<string, Expected> = {};
    for (const who of everyone) {
      for (const at of places) {
        const cell = `${who} → ${at}`;
        const res = await send(await row.call(world[at]), keys[who]);
        const want = row.expect(who, at);
        expected[cell] = want;
        actual[cell] =
          typeof want === 'number'
            ? res.status
            : { status: res.status, contains: res.status === 200 && row.contains!(res.body, world[at]) };
        // Every refusal is the JSON envelope with a stable code.
        if (res.status >= 400)
          expect((res.body as { error?: { code?: string } }).error?.code, cell).toBeTruthy();
      }
    }
    const anyone = await row.call(world.A);
    expected['no key'] = 401;
    actual['no key'] = (await send(anyone, null)).status;
    expected['wrong key'] = 401;
    actual['wrong key'] = (await send(anyone, `cc_${randomBytes(32).toString('base64url')}`)).status;
    expect(actual).toEqual(expected);
  });

  it('covers every documented /v1 operation (callbacks excepted: they authenticate by signature)', async () => {
    const doc = (await app.api('GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/v1/') && !path.startsWith('/v1/callbacks/'))
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(rows.map((r) => r.op).sort()).toEqual(documented);
  });

  it('Bull Board is for admins only', async () => {
    const statuses = Object.fromEntries(
      await Promise.all(
        everyone.map(async (who) => [
          who,
          (await send({ method: 'GET', path: '/v1/ops/queues/board' }, keys[who])).status,
        ]),
      ),
    );
    const adminSees = backend === 'postgres' ? 200 : 404; // the board needs Redis
    expect(statuses).toEqual({ ...Object.fromEntries(everyone.map((w) => [w, 403])), admin: adminSees });
  });
});
