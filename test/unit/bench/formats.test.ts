import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCallback, callbackFor, PROVIDERS } from '../../../load-tests/k6/formats.js';
import { adapters } from '../../../src/callbacks/registry.js';
import { hmacHex } from '../../../src/callbacks/signing.js';
import { loadConfig } from '../../../src/config.js';

const secrets = {
  GENERIC_WEBHOOK_SECRET: 'bench-generic-secret-0123456789',
  SEPAY_API_KEY: 'bench-sepay-key-0123',
  SEPAY_WEBHOOK_SECRET: 'bench-sepay-hmac-secret-0123',
  PAYOS_CHECKSUM_KEY: 'bench-payos-checksum-0123456789',
  CASSO_WEBHOOK_SECRET: 'bench-casso-secret-0123456789',
};
const config = loadConfig(secrets);
const world = {
  idBase: 7_000_000,
  requests: [{ reference: 'CCT3DH9GEC', amount: 150_000, accountNumber: '2000000001' }],
  stalls: ['1000000001', '1000000002'],
};

describe('k6 callback formats (load-tests/k6/formats.js)', () => {
  it.each(PROVIDERS)('%s: what the load sends passes the real adapter and parses to the credit', (format) => {
    const now = Date.now();
    for (let i = 0; i < 10; i++) {
      const { credit } = callbackFor(i, world, [format]);
      const cb = buildCallback(format, credit, secrets, hmacHex, now);
      const adapter = adapters.find((a) => `/v1/callbacks/${a.name}` === cb.path)!;
      expect(adapter, cb.path).toBeDefined();
      const json = JSON.parse(cb.body);
      const verified = adapter.verify({
        raw: cb.body,
        json,
        header: (n) => cb.headers[n.toLowerCase()],
        now: new Date(now),
        config,
      });
      expect(verified).toEqual({ ok: true });
      const parsed = adapter.parse(json);
      expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
      if (!parsed.ok) continue;
      expect(parsed.credit.amount).toBe(credit.amount);
      expect(parsed.credit.accountNumber).toBe(credit.accountNumber);
      expect(parsed.credit.direction).toBe('in');
      expect(parsed.credit.ignoreReason).toBeUndefined();
    }
  });

  it('a wrong secret does not pass', () => {
    for (const format of PROVIDERS) {
      const cb = buildCallback(
        format,
        callbackFor(0, world, [format]).credit,
        {
          ...secrets,
          GENERIC_WEBHOOK_SECRET: 'x'.repeat(20),
          SEPAY_API_KEY: 'y'.repeat(20),
          SEPAY_WEBHOOK_SECRET: 'z'.repeat(20),
          PAYOS_CHECKSUM_KEY: 'w'.repeat(20),
          CASSO_WEBHOOK_SECRET: 'v'.repeat(20),
        },
        hmacHex,
        Date.now(),
      );
      const adapter = adapters.find((a) => `/v1/callbacks/${a.name}` === cb.path)!;
      const verified = adapter.verify({
        raw: cb.body,
        json: JSON.parse(cb.body),
        header: (n) => cb.headers[n.toLowerCase()],
        now: new Date(),
        config,
      });
      expect(verified.ok, format).toBe(false);
    }
  });

  it('gives every callback its own provider id, and each account and request one provider', () => {
    const ids = new Set<string>();
    const providerOfAccount = new Map<string, string>();
    for (let i = 0; i < 500; i++) {
      const { format, credit } = callbackFor(i, world);
      ids.add(`${format}:${credit.id}`);
      const key = `${credit.accountNumber}:${credit.memo.includes('CCT3DH9GEC') ? 'request' : 'other'}`;
      expect(providerOfAccount.get(key) ?? format, key).toBe(format);
      providerOfAccount.set(key, format);
    }
    expect(ids.size).toBe(500);
  });
});

describe('k6 scripts', () => {
  const dir = path.resolve(import.meta.dirname, '../../../load-tests/k6');
  const scripts = readdirSync(dir).filter((f) => f.endsWith('.js'));

  it('are there for the three loads', () => {
    expect(scripts).toEqual(expect.arrayContaining(['qr-issuing.js', 'callbacks.js', 'metrics.js']));
  });

  it.each(scripts)('%s parses as a JavaScript module (node --check)', (file) => {
    // Throws, with node's syntax error in the message, when it does not parse.
    execFileSync(process.execPath, ['--check', path.join(dir, file)], { stdio: 'pipe' });
  });
});
