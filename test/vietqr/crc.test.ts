import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc16CcittFalse } from '../../src/vietqr/crc.js';
import { allVectors } from './vectors.js';

/** The textbook bit-by-bit CRC-16/CCITT-FALSE over UTF-8 bytes, to check the table-driven one against. */
function reference(text: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

describe('crc16CcittFalse', () => {
  it('gives the catalogued check value and the empty-input value', () => {
    expect(crc16CcittFalse('123456789')).toBe('29B1');
    expect(crc16CcittFalse('')).toBe('FFFF');
    expect(crc16CcittFalse('A')).toBe('B915');
  });

  it('reproduces the CRC of every vector that carries a right one', () => {
    const checked = allVectors.filter((v) => v.valid);
    expect(checked.length).toBeGreaterThan(10);
    for (const { payload } of checked) expect(crc16CcittFalse(payload.slice(0, -4))).toBe(payload.slice(-4));
  });

  it('pads to four upper-case hex digits', () => {
    // Found by search: an input whose CRC is below 0x1000.
    const small = Array.from({ length: 5000 }, (_, i) => `x${i}`).find((s) => reference(s).startsWith('0'))!;
    expect(crc16CcittFalse(small)).toMatch(/^0[0-9A-F]{3}$/);
  });

  it('agrees with the bitwise definition on any text, over its UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(crc16CcittFalse(s)).toBe(reference(s));
      }),
      { numRuns: 1000 },
    );
    expect(crc16CcittFalse('Học phí')).toBe(reference('Học phí'));
    expect(crc16CcittFalse('\ud800')).toBe(reference('\ud800')); // a lone surrogate, as U+FFFD
  });
});
