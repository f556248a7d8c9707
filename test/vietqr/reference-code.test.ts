import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkCharacter,
  generateReferenceCode,
  isValidReferenceCode,
  REFERENCE_ALPHABET,
  REFERENCE_LENGTH,
  REFERENCE_PREFIX,
  referenceCodes,
} from '../../src/vietqr/reference-code.js';

/** A random source that replays `bytes` (then zeros), to drive the generator deterministically. */
function replay(bytes: number[]): (n: number) => Uint8Array {
  let at = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = bytes[at++] ?? 0;
    return out;
  };
}

const bytes = fc.uint8Array({ minLength: 64, maxLength: 64 });

describe('generateReferenceCode', () => {
  it('makes "CC", seven random symbols and a check character', () => {
    for (let i = 0; i < 200; i++) {
      const code = generateReferenceCode();
      expect(code).toMatch(/^CC[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$/);
      expect(code).toHaveLength(REFERENCE_LENGTH);
      expect(isValidReferenceCode(code)).toBe(true);
    }
  });

  it('has no look-alike characters in its alphabet', () => {
    expect(REFERENCE_ALPHABET).toHaveLength(31);
    for (const c of '01ILO') expect(REFERENCE_ALPHABET).not.toContain(c);
    expect(new Set(REFERENCE_ALPHABET).size).toBe(31);
    expect(REFERENCE_PREFIX).toBe('CC');
  });

  it('maps bytes to symbols, skipping the 8 byte values that would bias it', () => {
    // 248..255 are rejected; 0 → '2', 30 → 'Z', 31 → '2' again.
    const code = generateReferenceCode(replay([248, 255, 0, 30, 31, 1, 2, 3, 4]));
    expect(code.slice(0, 9)).toBe('CC2Z23456');
    expect(isValidReferenceCode(code)).toBe(true);
  });

  it('refuses a random source that never yields a usable byte', () => {
    expect(() => generateReferenceCode((n) => new Uint8Array(n).fill(255))).toThrow(/no usable bytes/);
  });

  it('uses every symbol', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) for (const c of generateReferenceCode().slice(2, 9)) seen.add(c);
    expect(seen.size).toBe(31);
  });
});

describe('referenceCodes', () => {
  it('draws the randomness of a whole batch at once, each byte used once', () => {
    const draws: Uint8Array[] = [];
    const counted = (n: number) => {
      const b = randomBytes(n);
      draws.push(b);
      return b;
    };
    const next = referenceCodes(16, counted);
    const codes = Array.from({ length: 16 }, next);
    for (const code of codes) expect(isValidReferenceCode(code)).toBe(true);
    expect(new Set(codes).size).toBe(16);
    // One draw for 16 codes, unless the rejected byte values (8 in 256) ran it out.
    expect(draws.length).toBeLessThanOrEqual(2);
    expect(draws[0]).toHaveLength(16 * 14);
    // Byte for byte, the codes are what the generator makes of the draw read in order.
    const replayed = replay([...draws.flatMap((d) => [...d])]);
    expect(Array.from({ length: 16 }, () => generateReferenceCode(replayed))).toEqual(codes);
  });

  it('draws again when the batch needs more than it drew', () => {
    let drawn = 0;
    const next = referenceCodes(1, (n) => {
      drawn++;
      // The first draw is all rejected values; the next ones are usable.
      return drawn === 1 ? new Uint8Array(n).fill(250) : randomBytes(n);
    });
    expect(isValidReferenceCode(next())).toBe(true);
    expect(isValidReferenceCode(next())).toBe(true);
    expect(drawn).toBe(3);
  });
});

describe('isValidReferenceCode', () => {
  it('accepts only the canonical form', () => {
    const code = generateReferenceCode(replay([5, 6, 7, 8, 9, 10, 11]));
    expect(isValidReferenceCode(code)).toBe(true);
    expect(isValidReferenceCode(code.toLowerCase())).toBe(false);
    expect(isValidReferenceCode(`${code.slice(0, 5)} ${code.slice(5)}`)).toBe(false);
    expect(isValidReferenceCode(code.slice(0, 9))).toBe(false);
    expect(isValidReferenceCode(`${code}2`)).toBe(false);
    expect(isValidReferenceCode(`DD${code.slice(2)}`)).toBe(false);
    expect(isValidReferenceCode('')).toBe(false);
    expect(isValidReferenceCode(42 as unknown as string)).toBe(false);
  });

  it('rejects every single wrong character (property)', () => {
    fc.assert(
      fc.property(
        bytes,
        fc.integer({ min: 2, max: 9 }),
        fc.constantFrom(...REFERENCE_ALPHABET),
        (b, at, c) => {
          const code = generateReferenceCode(replay([...b]));
          fc.pre(code[at] !== c);
          expect(isValidReferenceCode(code.slice(0, at) + c + code.slice(at + 1))).toBe(false);
        },
      ),
    );
  });

  it('rejects every swap of two different characters (property)', () => {
    fc.assert(
      fc.property(bytes, fc.integer({ min: 2, max: 9 }), fc.integer({ min: 2, max: 9 }), (b, i, j) => {
        const code = [...generateReferenceCode(replay([...b]))];
        fc.pre(code[i] !== code[j]);
        [code[i], code[j]] = [code[j]!, code[i]!];
        expect(isValidReferenceCode(code.join(''))).toBe(false);
      }),
    );
  });

  it('lets a random string through only by the check character’s 1 in 31', () => {
    let valid = 0;
    const runs = 6200;
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...REFERENCE_ALPHABET), { minLength: 8, maxLength: 8 }),
        (chars) => {
          if (isValidReferenceCode(`CC${chars.join('')}`)) valid++;
        },
      ),
      { numRuns: runs, seed: 20251129 },
    );
    // Expected 200 (1/31); a binomial spread of ±5 standard deviations is ±70.
    expect(valid).toBeGreaterThan(130);
    expect(valid).toBeLessThan(270);
  });

  it('checkCharacter completes any body to a valid code', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...REFERENCE_ALPHABET), { minLength: 7, maxLength: 7 }),
        (chars) => {
          const body = `CC${chars.join('')}`;
          expect(isValidReferenceCode(body + checkCharacter(body))).toBe(true);
        },
      ),
    );
  });
});
