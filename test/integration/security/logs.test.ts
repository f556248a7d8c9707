// No secrets and no personal data in the logs: a real API process (`npm start`, LOG_LEVEL=debug) is
// driven through keys, households, payment requests, cash and callbacks, and its whole output is searched.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/client.js';
import { createLogger } from '../../../src/deps.js';
import { backend } from '../../support/app.js';
import { genericCallback, type Signed, secrets, sepayCallback } from '../../support/callback-factories.js';
import { adminKeyIn, processDatabase } from '../../support/reliability-databases.js';
import { type ServiceProcess, startApi, until } from '../../support/reliability-processes.js';

const personal = {
  household: 'HH-BIMAT-4711',
  payerName: 'Nguyễn Thị Bí Mật',
  payerRef: 'HS-RIENGTU-0815',
  counterpartyName: 'TRAN VAN KINHDAO',
  counterpartyAccount: '190355512345678',
};

let db: Awaited<ReturnType<typeof processDatabase>>;
let api: ServiceProcess & { url: string };
let adminKey: string;
let staffKey: string;
const signatures: string[] = [];

async function call(method: string, path: string, body?: unknown, key: string | null = adminKey) {
  const res = await fetch(api.url + path, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'manual',
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: a JSON answer, read by tests
  let json: any = text;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, body: json };
}

async function callback(provider: string, signed: Signed) {
  for (const v of Object.values(signed.headers)) signatures.push(v.replace(/^.*v1=|^sha256=|^Apikey /, ''));
  const res = await fetch(`${api.url}/v1/callbacks/${provider}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signed.headers },
    body: signed.body,
  });
  return res.status;
}

beforeAll(async () => {
  db = await processDatabase();
  adminKey = await adminKeyIn(db.open);
  api = await startApi({ ...db.env, ...secrets, LOG_LEVEL: 'debug', DEMO: '0' });
}, 120_000);
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

describe('the log of a working day', () => {
  it('records requests and rejections, and holds no key, secret, signature or personal data', async () => {
    const s = Date.now().toString(36).toUpperCase();
    for (const unit of [
      { code: `P${s}`, name: 'Tỉnh', level: 'province' },
      { code: `C${s}`, name: 'Xã', level: 'commune', parentCode: `P${s}` },
      { code: `C${s}-H1`, name: 'Thôn 1', level: 'hamlet', parentCode: `C${s}` },
    ]) {
      expect((await call('POST', '/v1/units', unit)).status).toBe(201);
    }
    expect(
      (await call('POST', '/v1/households', { code: personal.household, unitCode: `C${s}-H1`, members: 4 }))
        .status,
    ).toBe(201);
    const staff = await call('POST', '/v1/api-keys', {
      role: 'staff',
      unitCode: `C${s}`,
      label: 'cán bộ xã',
    });
    expect(staff.status).toBe(201);
    staffKey = staff.body.key;
    const payee = await call(
      'POST',
      '/v1/payees',
      {
        kind: 'school',
        name: 'Trường TH',
        unitCode: `C${s}`,
        bankBin: '970436',
        accountNumber: '0071000123456',
        accountName: 'TRUONG TH',
      },
      staffKey,
    );
    expect(payee.status, JSON.stringify(payee.body)).toBe(201);
    const request = await call(
      'POST',
      '/v1/payment-requests',
      {
        payeeId: payee.body.id,
        amount: 150_000,
        category: 'school_fee',
        householdCode: personal.household,
        payerRef: personal.payerRef,
        payerName: personal.payerName,
      },
      staffKey,
    );
    expect(request.status, JSON.stringify(request.body)).toBe(201);
    const cash = await call(
      'POST',
      '/v1/cash-payments',
      { payeeId: payee.body.id, amount: 20_000, category: 'water', householdCode: personal.household },
      staffKey,
    );
    expect(cash.status, JSON.stringify(cash.body)).toBe(201);
    expect(
      (await call('GET', `/v1/cash-payments?householdCode=${personal.household}`, undefined, staffKey))
        .status,
    ).toBe(200);
    expect((await call('GET', `/v1/households?unitCode=C${s}`, undefined, staffKey)).status).toBe(200);
    // A key in a login link's query string, a wrong key, a cookie.
    expect((await call('GET', `/login?key=${staffKey}`, undefined, null)).status).toBe(303);
    expect((await call('GET', '/v1/payees', undefined, `${staffKey.slice(0, -4)}abcd`)).status).toBe(401);

    const memo = `${request.body.reference} ${personal.counterpartyName} chuyen tien hoc phi`;
    expect(
      await callback(
        'generic',
        genericCallback({
          accountNumber: '0071000123456',
          amount: 150_000,
          description: memo,
          counterpartyAccount: personal.counterpartyAccount,
        }),
      ),
    ).toBe(200);
    expect(
      await callback(
        'sepay',
        sepayCallback({ accountNumber: '0071000123456', content: personal.counterpartyName }),
      ),
    ).toBe(200);
    expect(
      await callback(
        'generic',
        genericCallback({ description: memo }, { secret: 'wrong-secret-0000000000000' }),
      ),
    ).toBe(401);
    expect(
      await callback('sepay', { ...sepayCallback({}), body: `{"content":"${personal.counterpartyName}"` }),
    ).toBe(400);
    await until(
      async () => (await call('GET', `/v1/payment-requests/${request.body.id}`)).body.status === 'paid',
      30_000,
    );

    await api.stop();
    const log = api.output();
    // The log is there and says what happened…
    expect(log).toContain('"msg":"request"');
    expect(log).toContain('callback rejected');
    expect(log).toContain('"path":"/v1/cash-payments"');
    // …and holds none of these.
    const forbidden = [
      adminKey,
      staffKey,
      staffKey.slice(3, 20),
      ...Object.values(secrets),
      ...signatures.filter((s) => s.length >= 16),
      ...Object.values(personal),
      'Nguy', // the payer name, even partly or escaped
      'Bí Mật',
      'B\\u00ed',
    ];
    for (const f of forbidden) expect(log.includes(f), `the log contains ${JSON.stringify(f)}`).toBe(false);
  }, 120_000);
});

describe('database errors in the log', () => {
  it('keep the SQL and the reason, never the statement’s values', async () => {
    const lines: string[] = [];
    const logger = createLogger({ LOG_LEVEL: 'info' }, { write: (l: string) => lines.push(l) });
    // On Postgres a real failing statement; PGlite shapes its errors the same through drizzle.
    const database =
      backend === 'postgres' ? await openDatabase({ url: db.env.DATABASE_URL, poolSize: 1 }) : undefined;
    try {
      if (database) {
        const err = await database.db
          .execute(
            sql`insert into households (code, unit_code) values (${personal.household}, ${personal.payerName})`,
          )
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(err).toBeInstanceOf(Error);
        expect(String((err as Error).message)).toContain(personal.household);
        logger.error({ err }, 'unhandled error');
      } else {
        const { DrizzleQueryError } = await import('drizzle-orm/errors');
        logger.error(
          { err: new DrizzleQueryError('insert into households (code) values ($1)', [personal.household]) },
          'unhandled error',
        );
      }
    } finally {
      await database?.close();
    }
    const line = lines.join('');
    expect(line).toContain('Failed query: insert into households');
    expect(line).not.toContain(personal.household);
    expect(line).not.toContain('Bí');
  });
});
