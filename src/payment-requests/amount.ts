/**
 * Money in payment requests and cash payments: whole VND, as integers.
 *
 * MAX_PAYMENT_AMOUNT is what one VietQR transfer may carry. A VietQR is paid by a NAPAS 247 interbank
 * fast transfer (or an on-us transfer that banks cap at the same figure), and NAPAS 247 caps one
 * transfer at 500 million VND (banks publish the limit as "dưới/tối đa 500 triệu đồng/giao dịch"; many
 * set lower limits of their own for individuals). A bill above it could not be paid by scanning its
 * code, so it is refused when it is issued rather than when a parent is standing at the bank app.
 * Cash uses the same ceiling: a larger "cash payment" is a typing error, not a sack of notes.
 */
export const MAX_PAYMENT_AMOUNT = 500_000_000;

export type AmountProblem = { code: 'invalid_amount' | 'amount_too_large'; message: string };

/** Checks a number is a payable amount; undefined when it is fine. */
export function checkAmount(n: number): AmountProblem | undefined {
  if (typeof n !== 'number' || !Number.isFinite(n) || !Number.isInteger(n)) {
    return { code: 'invalid_amount', message: 'Amount must be a whole number of VND' };
  }
  if (n <= 0) return { code: 'invalid_amount', message: 'Amount must be more than 0 VND' };
  if (n > MAX_PAYMENT_AMOUNT) {
    return {
      code: 'amount_too_large',
      message: `Amount is above ${formatVnd(MAX_PAYMENT_AMOUNT)}, the most one VietQR (NAPAS 247) transfer may carry`,
    };
  }
  return undefined;
}

// "₫", "đ", "VND", "VNĐ", "đồng" and "d" after the number, as spreadsheets and people write them.
const CURRENCY = /\s*(₫|đồng|đ|vnđ|vnd|dong|d)\.?$/iu;
const SPACES = /[\s\u00a0\u202f]/gu;

/** The shapes an amount may take: [1] the integer part with its group separators, [2] the decimals. */
const AMOUNT_FORMS: { pattern: RegExp; group: RegExp }[] = [
  { pattern: /^(\d+)()$/, group: /^$/ },
  // vi-VN: "." groups thousands, "," marks decimals.
  { pattern: /^(\d{1,3}(?:\.\d{3})+)(?:,(\d+))?$/, group: /\./g },
  // en-US: "," groups thousands, "." marks decimals.
  { pattern: /^(\d{1,3}(?:,\d{3})+)(?:\.(\d+))?$/, group: /,/g },
  // No grouping, with decimals either way.
  { pattern: /^(\d+)[.,](\d+)$/, group: /^$/ },
];

/**
 * Reads an amount as a Vietnamese spreadsheet writes it. In vi-VN "." groups thousands and "," is the
 * decimal mark ("1.500.000" is one and a half million, "1.500.000,00" the same with its decimals);
 * spreadsheets set to en-US write "1,500,000" and "1500000.00". A group separator is recognised only
 * in groups of three, so "1.5" and "1,5" are fractions (refused: VND has no subunit in use), never
 * misread as 15. Returns the integer, or a problem.
 */
export function parseVndAmount(text: string): number | AmountProblem {
  const raw = text.trim().replace(CURRENCY, '');
  // A space (or the no-break spaces spreadsheets insert) groups thousands only between groups of three.
  const s = /^\d{1,3}(?:[\s\u00a0\u202f]\d{3})+$/u.test(raw) ? raw.replace(SPACES, '') : raw;
  const form = AMOUNT_FORMS.map((f) => [f, f.pattern.exec(s)] as const).find(([, m]) => m);
  if (!form) {
    return /^[-−]/.test(s)
      ? { code: 'invalid_amount', message: `Amount "${text}" is negative` }
      : { code: 'invalid_amount', message: `Amount "${text}" is not a number of VND` };
  }
  const [{ group }, m] = form;
  const fraction = m![2] || undefined;
  // Decimals are accepted only when they are all zeros ("1500000,00"): VND has no subunit in use.
  const digits = fraction === undefined || /^0+$/.test(fraction) ? m![1]!.replace(group, '') : undefined;
  if (digits === undefined) {
    return { code: 'invalid_amount', message: `Amount "${text}" is not a whole number of VND` };
  }
  if (digits.length > 15) {
    return {
      code: 'amount_too_large',
      message: `Amount "${text}" is above ${formatVnd(MAX_PAYMENT_AMOUNT)}`,
    };
  }
  const n = Number(digits);
  return checkAmount(n) ?? n;
}

const vnd = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 0 });

/** "1.500.000 ₫": how a Vietnamese reader expects an amount on a slip. */
export function formatVnd(n: number): string {
  return `${vnd.format(n)}\u00a0₫`;
}
