/**
 * Is this the same credit, reported by another channel? Two callbacks from different providers, or a
 * callback and a statement line, describe one bank movement when they agree on the receiving account,
 * the amount and (within a window) the booked time — checked in SQL — and their memos are compatible:
 * banks and aggregators rewrite memos differently (prefixes, truncation, diacritics, spacing), so memos
 * are compared folded to A–Z0–9 and count as the same when they share a reference code or bank
 * reference, when one contains the other, or when they share a long common run. Pure.
 */
import { foldVietnamese } from '../vietqr/fold.js';

/** Callbacks and timed statement lines: how far apart two reports of one credit can be booked. */
export const FINGERPRINT_WINDOW_MINUTES = 30;
/** A shared run of this many characters (or the whole shorter memo) makes two memos compatible. */
const MIN_COMMON_RUN = 12;

export const compactMemo = (memo: string) =>
  foldVietnamese(memo)
    .toUpperCase()
    .replace(/[^0-9A-Z]/g, '');

export type MemoFacts = { memo: string; referenceCodes: readonly string[]; bankReference?: string | null };

export function memosCompatible(a: MemoFacts, b: MemoFacts): boolean {
  return compatibleWith(a)(b);
}

/**
 * `memosCompatible(a, ·)`, with `a`'s folded memo and bank reference computed once: a report is compared
 * with up to 20 recorded credits, and folding is most of a comparison's cost.
 */
export function compatibleWith(a: MemoFacts): (b: MemoFacts) => boolean {
  const ra = a.bankReference ? compactMemo(a.bankReference) : '';
  const x = compactMemo(a.memo);
  return (b) => {
    if (a.referenceCodes.some((c) => b.referenceCodes.includes(c))) return true;
    // Different reference codes: two payments, however alike the rest looks.
    if (a.referenceCodes.length > 0 && b.referenceCodes.length > 0) return false;
    const rb = b.bankReference ? compactMemo(b.bankReference) : '';
    if (ra && rb && (ra === rb || ra.endsWith(rb) || rb.endsWith(ra))) return true;
    const y = compactMemo(b.memo);
    if (x === '' || y === '') return true; // nothing to compare: account, amount and time decide
    if (x.includes(y) || y.includes(x)) return true;
    if (ra && x.includes(ra)) return true;
    if (rb && y.includes(rb)) return true;
    return shareRun(x, y, Math.min(MIN_COMMON_RUN, x.length, y.length));
  };
}

/**
 * Do the two strings share a run of `k` characters? The same as "their longest common substring is at
 * least k", in O(n + m) instead of O(n·m): a report is compared with up to 20 credits, and the quadratic
 * form cost ~14 µs a pair.
 */
export function shareRun(a: string, b: string, k: number): boolean {
  if (k <= 0) return true;
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length < k) return false;
  const runs = new Set<string>();
  for (let i = 0; i + k <= short.length; i++) runs.add(short.slice(i, i + k));
  for (let i = 0; i + k <= long.length; i++) if (runs.has(long.slice(i, i + k))) return true;
  return false;
}
