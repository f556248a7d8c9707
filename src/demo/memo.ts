/**
 * Transfer memos as they reach us, rewritten the way banks and aggregators rewrite them
 * (shared/providers/README.md, "What real memos look like"): a bank prefix and reference, the payer's
 * name appended, everything upper- or lower-cased, spaces removed, punctuation instead of spaces,
 * interbank wrappers, and the content cut short (after the reference code). Pure.
 */
import { foldVietnamese } from '../vietqr/fold.js';
import { REFERENCE_ALPHABET } from '../vietqr/reference-code.js';
import type { Credit, MemoStyle, StatementVariant } from './month.js';

/**
 * The content the payer's app sent: a bill's QR purpose (its reference first), or what the buyer typed
 * at a stall. A mistyped reference (`typo`) changes one character, which the code's check character
 * always catches.
 */
export function payerContent(credit: Pick<Credit, 'content' | 'intent' | 'n'>, qrPurpose?: string): string {
  if (!credit.content.includes('{ref}')) return credit.content;
  let purpose = qrPurpose ?? '';
  if (credit.intent === 'typo' && purpose.length >= 10) {
    const i = 2 + (credit.n % 7);
    const old = purpose[i]!;
    const replacement = REFERENCE_ALPHABET[(REFERENCE_ALPHABET.indexOf(old) + 1 + (credit.n % 29)) % 31]!;
    purpose = purpose.slice(0, i) + replacement + purpose.slice(i + 1);
  }
  return credit.content.replace('{ref}', purpose);
}

/** The memo after the bank's rewriting, in `style`. `reference` is the bill's code (for a cut after it). */
export function rewriteMemo(
  content: string,
  style: MemoStyle,
  ctx: {
    bankRef: string;
    payerAccount: string;
    payerName: string;
    receiverAccount: string;
    reference?: string;
  },
): string {
  const ascii = foldVietnamese(content);
  switch (style) {
    case 'plain':
      return content;
    case 'bank-prefix':
      // Vietcombank's app: MBVCB.<ref>.<content>.CT tu <payer account> <PAYER> toi <receiver account>
      return `MBVCB.${ctx.bankRef.replace(/\D/g, '').slice(-10)}.${ascii}.CT tu ${ctx.payerAccount} ${ctx.payerName} toi ${ctx.receiverAccount}`;
    case 'no-spaces':
      return ascii.toUpperCase().replace(/\s+/g, '');
    case 'lower-case':
      return ascii.toLowerCase();
    case 'ibft':
      return `IBFT ${ascii.toUpperCase()}`;
    case 'interbank-trailer':
      return `${ascii.toUpperCase()}-CTLNHIDI${ctx.bankRef.replace(/\D/g, '').padStart(12, '0').slice(-12)}`;
    case 'truncated': {
      // Cut right after the reference code (or after a few characters of a typed memo).
      if (ctx.reference) {
        const at = ascii.toUpperCase().indexOf(ctx.reference);
        if (at >= 0) return ascii.slice(0, at + ctx.reference.length + 2).trimEnd();
      }
      return ascii.slice(0, 12).trimEnd();
    }
    case 'name-appended':
      return `${ascii} ${ctx.payerName} chuyen khoan`.trim();
    case 'punctuation':
      return ascii.replace(/\s+/g, '-');
  }
}

/** The memo as the receiving bank's statement prints it: the text the callback carried, maybe re-cased or cut. */
export function statementMemo(memo: string, variant: StatementVariant): string {
  if (variant === 'upper') return foldVietnamese(memo).toUpperCase();
  if (variant === 'cut') return memo.slice(0, 40).trimEnd();
  return memo;
}
