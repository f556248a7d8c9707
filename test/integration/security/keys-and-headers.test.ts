import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../../src/db/client.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { createCommune, createKey, createPayee } from '../../support/factories.js';

let app: TestApp;
let commune: Awaited<ReturnType<typeof createCommune>>;
beforeAll(async () => {
  app = await startTestApp();
  commune = await createCommune(app);
});
afterAll(() => app?.close());

/** How many rows of any table hold `needle` anywhere in their text. */
async function rowsHolding(needle: string): Promise<Record<string, number>> {
  const tables = await queryRows<{ table_name: string }>(
    app.deps.db,
    sql`select table_name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
  );
  expect(tables.length).toBeGreaterThan(10);
  const found: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [row] = await queryRows<{ n: number }>(
      app.deps.db,
      sql`select count(*)::int8 as n from ${sql.identifier(table_name)} x where x::text like ${`%${needle}%`}`,
    );
    if (Number(row!.n) > 0) found[table_name] = Number(row!.n);
  }
  return found;
}

describe('API keys at rest', () => {
  it('no table holds a key or its secret part: only its SHA-256', async () => {
    const payee = await createPayee(app, commune.hamlets[0]!);
    const keys = [
      app.adminKey,
      await createKey(app, { role: 'staff', unitCode: commune.commune }),
      await createKey(app, { role: 'payee', payeeId: payee.id }),
    ];
    for (const key of keys) {
      expect(await rowsHolding(key)).toEqual({});
      expect(await rowsHolding(key.slice(3, 30))).toEqual({});
      const hash = createHash('sha256').update(key).digest('hex');
      expect(await rowsHolding(hash)).toEqual({ api_keys: 1 });
      // And the stored hash is what authenticates it.
      expect((await app.api('GET', '/v1/payees', undefined, key)).status).toBe(200);
    }
  });
});

describe('security headers', () => {
  const common = (h: Headers) => {
    expect(h.get('x-content-type-options')).toBe('nosniff');
    expect(h.get('x-frame-options')).toMatch(/^(DENY|SAMEORIGIN)$/);
    expect(h.get('referrer-policy')).toMatch(/no-referrer|same-origin/);
    expect(h.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
    expect(h.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(h.get('x-powered-by')).toBeNull();
  };

  it('every dashboard, vendor, bursar and login page: a strict CSP (no inline or eval script, no framing) and no caching', async () => {
    const stall = await createPayee(app, commune.hamlets[0]!);
    const school = await createPayee(app, commune.commune, { kind: 'school', stallNo: undefined });
    const stallKey = await createKey(app, { role: 'payee', payeeId: stall.id });
    const schoolKey = await createKey(app, { role: 'payee', payeeId: school.id });
    const pages: [string, string][] = [
      ['/dashboard', app.adminKey],
      ['/dashboard?lang=en', app.adminKey],
      [`/dashboard?unit=${commune.commune}`, app.adminKey],
      ['/login', app.adminKey],
      // The counter screens, as the vendor and the bursar open them with their own keys, and as staff do.
      ['/vendor', stallKey],
      ['/vendor?lang=en', stallKey],
      [`/vendor?payee=${stall.id}`, app.adminKey],
      ['/vendor', app.adminKey],
      ['/bursar', schoolKey],
      [`/bursar?payee=${school.id}&lang=en`, app.adminKey],
      [`/counter/login-card?payee=${stall.id}`, app.adminKey],
    ];
    for (const [path, key] of pages) {
      const res = await fetch(app.url + path, { headers: { cookie: `cc_key=${key}` }, redirect: 'manual' });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      common(res.headers);
      const csp = Object.fromEntries(
        (res.headers.get('content-security-policy') ?? '')
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .map(([k, ...v]) => [k, v.join(' ')]),
      );
      expect(csp['default-src'], path).toBe("'none'");
      expect(csp['script-src'], path).toBe("'self'");
      expect(csp['frame-ancestors'], path).toBe("'none'");
      expect(csp['base-uri'], path).toBe("'none'");
      expect(csp['form-action'], path).toBe("'self'");
      expect(JSON.stringify(csp)).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      // The page itself carries no inline script that the CSP would have to allow.
      const body = await res.text();
      expect(body).not.toMatch(/<script(?![^>]*\bsrc=)(?![^>]*type="application\/json")[^>]*>/);
    }
  });

  it('a page refused, a page not found and the bursar’s CSV: the same protective headers, never cached', async () => {
    const stall = await createPayee(app, commune.hamlets[0]!);
    const school = await createPayee(app, commune.commune, { kind: 'school', stallNo: undefined });
    const schoolKey = await createKey(app, { role: 'payee', payeeId: school.id });
    const elsewhere = await createCommune(app);
    const staffElsewhere = await createKey(app, { role: 'staff', unitCode: elsewhere.commune });
    for (const [path, key, status] of [
      ['/vendor', undefined, [302, 303]],
      ['/bursar', undefined, [302, 303]],
      [`/vendor?payee=${stall.id}`, staffElsewhere, [403, 404]],
      ['/vendor?payee=00000000-0000-4000-8000-000000000000', app.adminKey, [404]],
      ['/bursar.csv', schoolKey, [200]],
    ] as const) {
      const res = await fetch(app.url + path, {
        headers: key ? { cookie: `cc_key=${key}` } : {},
        redirect: 'manual',
      });
      expect(status, `${path}: ${res.status}`).toContain(res.status);
      common(res.headers);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      await res.arrayBuffer();
    }
  });

  it('the API: the same protective headers on answers and errors, and no server banner', async () => {
    for (const [path, status] of [
      ['/v1/payees', 200],
      ['/v1/nope', 404],
      ['/healthz', 200],
      ['/openapi.json', 200],
    ] as const) {
      const res = await fetch(app.url + path, { headers: { authorization: `Bearer ${app.adminKey}` } });
      expect(res.status, path).toBe(status);
      common(res.headers);
    }
    const unauth = await fetch(`${app.url}/v1/payees`);
    expect(unauth.status).toBe(401);
    common(unauth.headers);
  });
});
