/**
 * Reference codes for payment requests: the short token a payer carries in the transfer memo (the QR's
 * purpose field) and reconciliation finds again in the bank's rewritten memo.
 *
 *   CC 7 random characters, 1 check character        e.g. CC4KXP7RMC
 *
 * - The alphabet has 31 symbols: digits 2–9 and letters without I, L, O, so there is no 0/O or 1/I/L
 *   to misread on a printed bill or to retype wrongly. Only upper case: banks upper-case memos anyway.
 * - 31^7 ≈ 2.8·10^10 random codes: unguessable enough to be shown on paper, short enough to type.
 * - The fixed prefix "CC" (cashless commune) anchors extraction from a memo. Vietnamese syllables never
 *   end in "cc", so it only occurs across word boundaries, where the check character lets 1 in 31 through.
 * - The check character makes the weighted sum Σ i·v(c_i), i = 1..10, divisible by 31. As 31 is prime
 *   and the weights 1..10 are distinct and non-zero mod 31, every single wrong character and every
 *   swap of two different characters is detected, and a random string passes with probability 1/31.
 */
import { randomBytes } from 'node:crypto';

export const REFERENCE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const REFERENCE_PREFIX = 'CC';
export const REFERENCE_LENGTH = 10;

const BASE = REFERENCE_ALPHABET.length; // 31, prime
const RANDOM_LENGTH = REFERENCE_LENGTH - REFERENCE_PREFIX.length - 1;
/** 10⁻¹ mod 31 (10 · 28 = 280 = 9 · 31 + 1): solves for the check character, which has weight 10. */
const INVERSE_OF_CHECK_WEIGHT = 28;
/** Bytes below this are used (mod 31) and the rest rejected, so every symbol is equally likely. */
const UNBIASED_BYTE_LIMIT = 256 - (256 % BASE);

const VALUE = new Map<string, number>([...REFERENCE_ALPHABET].map((c, i) => [c, i]));

function weightedSum(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += (i + 1) * VALUE.get(body[i]!)!;
  return sum;
}

/** The check character for the first nine characters of a code. */
export function checkCharacter(body: string): string {
  const value = (((BASE - (weightedSum(body) % BASE)) % BASE) * INVERSE_OF_CHECK_WEIGHT) % BASE;
  return REFERENCE_ALPHABET[value]!;
}

/**
 * A new random reference code. `random(n)` must return n uniformly random bytes; it defaults to the
 * operating system's CSPRNG and is a parameter so tests can drive it.
 */
export function generateReferenceCode(random: (n: number) => Uint8Array = randomBytes): string {
  const bodyLength = REFERENCE_LENGTH - 1;
  let body = REFERENCE_PREFIX;
  // 8 of 256 byte values are rejected, so a round of 14 bytes almost always suffices; a source that
  // keeps returning nothing usable is broken, not unlucky.
  for (let round = 0; body.length < bodyLength; round++) {
    if (round === 100) throw new Error('generateReferenceCode: the random source returned no usable bytes');
    for (const byte of random(RANDOM_LENGTH * 2)) {
      if (byte >= UNBIASED_BYTE_LIMIT) continue;
      body += REFERENCE_ALPHABET[byte % BASE];
      if (body.length === bodyLength) break;
    }
  }
  return body + checkCharacter(body);
}

/**
 * New reference codes for a batch of `count` requests, from one draw of the operating system's CSPRNG
 * (drawn again when the batch needs more: rejected bytes, a code drawn twice). A draw per code cost the API
 * 4% of its CPU when issuing, most of it the call itself, not the randomness. Each byte is used once.
 */
export function referenceCodes(count: number, fill: (n: number) => Uint8Array = randomBytes): () => string {
  const perCode = RANDOM_LENGTH * 2;
  let pool: Uint8Array = new Uint8Array(0);
  let at = 0;
  const random = (n: number) => {
    if (at + n > pool.length) {
      pool = fill(Math.max(count * perCode, n));
      at = 0;
    }
    at += n;
    return pool.subarray(at - n, at);
  };
  return () => generateReferenceCode(random);
}

const SHAPE = new RegExp(
  `^${REFERENCE_PREFIX}[${REFERENCE_ALPHABET}]{${REFERENCE_LENGTH - REFERENCE_PREFIX.length}}$`,
);

/** True for a well-formed code in canonical form (upper case, no separators) whose check verifies. */
export function isValidReferenceCode(s: string): boolean {
  return typeof s === 'string' && SHAPE.test(s) && weightedSum(s) % BASE === 0;
}
