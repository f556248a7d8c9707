import { describe, expect, it } from 'vitest';
import { banks, findBank } from '../../src/vietqr/banks.js';
import { allVectors } from './vectors.js';

describe('the bank directory', () => {
  it('lists every VietQR member once, by a six-digit BIN', () => {
    expect(banks.length).toBeGreaterThanOrEqual(60);
    for (const bank of banks) {
      expect(bank.bin).toMatch(/^\d{6}$/);
      expect(bank.code).not.toBe('');
      expect(bank.shortName).not.toBe('');
      expect(bank.name).not.toBe('');
    }
    expect(new Set(banks.map((b) => b.bin)).size).toBe(banks.length);
    expect(new Set(banks.map((b) => b.code.toUpperCase())).size).toBe(banks.length);
  });

  it.each([
    ['970436', 'VCB', 'Vietcombank'],
    ['970415', 'ICB', 'VietinBank'],
    ['970418', 'BIDV', 'BIDV'],
    ['970405', 'VBA', 'Agribank'],
    ['970422', 'MB', 'MBBank'],
    ['970407', 'TCB', 'Techcombank'],
    ['970416', 'ACB', 'ACB'],
    ['970432', 'VPB', 'VPBank'],
    ['970423', 'TPB', 'TPBank'],
    ['970403', 'STB', 'Sacombank'],
    ['970454', 'VCCB', 'VietCapitalBank'],
    ['970449', 'LPB', 'LPBank'],
    ['971025', 'momo', 'MoMo'],
    ['971005', 'VTLMONEY', 'ViettelMoney'],
    ['971011', 'VNPTMONEY', 'VNPTMoney'],
    ['999888', 'VBSP', 'VBSP'],
  ])('finds %s: %s %s', (bin, code, shortName) => {
    expect(findBank(bin)).toMatchObject({ bin, code, shortName });
  });

  it('knows the bank of every valid vector', () => {
    for (const vector of allVectors.filter((v) => v.valid)) {
      const bin = vector.expect?.bin;
      expect(bin && findBank(bin), `${bin} (${vector.source})`).toBeTruthy();
    }
  });

  it('finds nothing for an unknown or malformed BIN', () => {
    expect(findBank('000000')).toBeUndefined();
    expect(findBank('97043')).toBeUndefined();
    expect(findBank('')).toBeUndefined();
  });

  it('cannot be changed by a caller', () => {
    expect(Object.isFrozen(banks)).toBe(true);
    expect(Object.isFrozen(findBank('970436'))).toBe(true);
  });
});
