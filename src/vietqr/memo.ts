/**
 * Find our reference codes in a bank's transfer memo.
 *
 * Banks rewrite what the payer typed before it reaches us (shared/providers/README.md, "What real memos
 * look like"): a bank prefix and reference ("MBVCB.3278614497.<content>"), the payer's name appended,
 * diacritics stripped, upper- or lower-cased, spaces removed, collapsed or inserted, punctuation
 * replaced by "-", "." or "_", interbank wrapping ("IBFT <content>", "<content>-CTLNHIDI000012345678"),
 * and the content cut at 50–140 characters.
 *
 * So the memo is folded to ASCII, upper-cased and reduced to its letters and digits, which undoes every
 * rewriting above except a cut. Each "CC" then starts a 10-character candidate, kept when its check
 * character verifies. A code cut short leaves no candidate, or one that fails its check with
 * probability 30/31, rather than a wrong code; the rest of that 1/31 (and a "CC" formed across words,
 * "các cháu" → CACCHAU) is caught downstream, where a code only counts if it names an open payment
 * request. Recall comes first: a real code is never dropped in favour of another candidate, except
 * the one case below.
 */
import { foldVietnamese } from './fold.js';
import { isValidReferenceCode, REFERENCE_LENGTH, REFERENCE_PREFIX } from './reference-code.js';

/**
 * The interbank (NAPAS) trailer some banks append after the payer's content, once it has been cut:
 * removed first so it cannot complete a code the cut left short.
 */
// The lookbehind starts a match only where a run of separators starts: without it, a long run of "-"
// with no trailer after it was rescanned from every position (quadratic; a statement memo is unbounded).
const INTERBANK_TRAILER = /(?<![-._\s])[-._\s]*CTLNHIDI\d*/gi;

type Candidate = { code: string; at: number; aligned: number };

/** Valid reference codes found in `memo`, in order of appearance, each once. */
export function extractReferenceCodes(memo: string): string[] {
  const text = foldVietnamese(memo).replace(INTERBANK_TRAILER, ' ').toUpperCase();
  // The letters and digits, and for each position whether a separator (or the start) precedes it;
  // the extra last entry says whether the text ended on a separator, and counts the end as one.
  let compact = '';
  const boundary: boolean[] = [];
  let afterSeparator = true;
  for (const ch of text) {
    if ((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z')) {
      compact += ch;
      boundary.push(afterSeparator);
      afterSeparator = false;
    } else {
      afterSeparator = true;
    }
  }
  boundary.push(true);

  const candidates: Candidate[] = [];
  for (
    let at = compact.indexOf(REFERENCE_PREFIX);
    at !== -1;
    at = compact.indexOf(REFERENCE_PREFIX, at + 1)
  ) {
    const code = compact.slice(at, at + REFERENCE_LENGTH);
    if (!isValidReferenceCode(code)) continue;
    candidates.push({ code, at, aligned: Number(boundary[at]) + Number(boundary[at + REFERENCE_LENGTH]) });
  }

  // Two codes written one after the other ("CCT3DH9GEC CCFFCX7TQ4") make candidates that straddle them
  // ("CCCFFCX7TQ"), and 1 in 31 of those passes its check. Such a straddler starts and ends inside
  // words; it is dropped when it overlaps a code that stands as a whole word.
  // Candidates are in order of position, so only neighbours less than a code's length away can overlap:
  // looking at those alone keeps a memo of thousands of codes linear.
  const overlapsWholeWord = (i: number) => {
    const at = candidates[i]!.at;
    for (let j = i - 1; j >= 0 && at - candidates[j]!.at < REFERENCE_LENGTH; j--)
      if (candidates[j]!.aligned === 2) return true;
    for (let j = i + 1; j < candidates.length && candidates[j]!.at - at < REFERENCE_LENGTH; j++)
      if (candidates[j]!.aligned === 2) return true;
    return false;
  };
  const found = new Set<string>();
  candidates.forEach((c, i) => {
    if (!(c.aligned === 0 && overlapsWholeWord(i))) found.add(c.code);
  });
  return [...found];
}
