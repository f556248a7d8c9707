/** What a slice of payments adds up to: how many, how much (VND), how many distinct payers. */
export type Tally = { count: number; value: number; payers: number };
export type Ratios = { count: number | null; value: number | null; payers: number | null };

export const emptyTally = (): Tally => ({ count: 0, value: 0, payers: 0 });

/**
 * The cashless ratio cashless / (cashless + cash), in [0, 1]; null when both are 0 (nothing to
 * measure is not 0 % cashless). Inputs are sums of rollups and never negative when the rollups are
 * consistent; a negative one (a reversal recorded before its payment) is read as 0 so the ratio stays a
 * share. Rounded to 6 decimals so JSON shows 0.333333, not 0.33333333333333337.
 */
export function cashlessRatio(cashless: number, cash: number): number | null {
  const a = Math.max(0, cashless);
  const b = Math.max(0, cash);
  if (a + b === 0) return null;
  return Math.round((a / (a + b)) * 1e6) / 1e6;
}

export function ratios(cashless: Tally, cash: Tally): Ratios {
  return {
    count: cashlessRatio(cashless.count, cash.count),
    value: cashlessRatio(cashless.value, cash.value),
    payers: cashlessRatio(cashless.payers, cash.payers),
  };
}

/** A share like adoption (adopters / households): null without a denominator, capped to [0, 1]. */
export function share(part: number, whole: number): number | null {
  if (whole <= 0) return null;
  return Math.round(Math.min(1, Math.max(0, part / whole)) * 1e6) / 1e6;
}
