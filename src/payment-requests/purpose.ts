import { foldVietnamese } from '../vietqr/fold.js';
import { PURPOSE_MAX_LENGTH } from '../vietqr/payload.js';

/**
 * The QR's purpose (tag 62.08, what the payer's bank app puts in the transfer memo): the reference
 * first, then as much of the purpose as fits in 25 characters. Banks prefix, cut and rewrite memos
 * (shared/providers/README.md), so the reference goes first where a cut cannot reach it; the rest is
 * folded to plain letters and digits because that is all that survives the trip anyway.
 *   ("CC4KXP7RMH", "Học phí tháng 9 – lớp 6A") → "CC4KXP7RMH Hoc phi thang"
 */
export function qrPurpose(reference: string, purpose: string | null | undefined): string {
  const words = foldVietnamese(purpose ?? '')
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  let out = reference;
  for (const word of words) {
    if (out.length + 1 + word.length > PURPOSE_MAX_LENGTH) break;
    out += ` ${word}`;
  }
  return out;
}
