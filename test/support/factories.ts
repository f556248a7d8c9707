import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { TestApp } from './app.js';

const suffix = () => randomBytes(3).toString('hex').toUpperCase();

/** A province → commune → two hamlets, created through the API. Codes are unique per call. */
export async function createCommune(app: TestApp) {
  const s = suffix();
  const province = { code: `P${s}`, name: `Tỉnh ${s}`, level: 'province' };
  const commune = { code: `C${s}`, name: `Xã ${s}`, level: 'commune', parentCode: province.code };
  const hamlets = [1, 2].map((n) => ({
    code: `C${s}-H${n}`,
    name: `Thôn ${n}`,
    level: 'hamlet',
    parentCode: commune.code,
  }));
  for (const unit of [province, commune, ...hamlets]) {
    const res = await app.api('POST', '/v1/units', unit);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  return { province: province.code, commune: commune.code, hamlets: hamlets.map((h) => h.code) };
}

let accountSeq = 0;

export async function createPayee(app: TestApp, unitCode: string, overrides: Record<string, unknown> = {}) {
  accountSeq++;
  const res = await app.api('POST', '/v1/payees', {
    kind: 'market_vendor',
    name: `Sạp ${accountSeq}`,
    unitCode,
    bankBin: '970436',
    accountNumber: `9${String(Date.now() % 1e8).padStart(8, '0')}${accountSeq}`.slice(0, 19),
    accountName: 'NGUYEN VAN A',
    stallNo: `A${accountSeq}`,
    ...overrides,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; accountNumber: string; bankBin: string; staticQr: { payload: string } };
}

export async function createKey(app: TestApp, body: Record<string, unknown>): Promise<string> {
  const res = await app.api('POST', '/v1/api-keys', { label: 'test', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.key as string;
}
