/**
 * What the demo commune's bills cost, from the public tariffs a rural commune near Hà Nội pays. Pure.
 * Every amount is a whole number of VND.
 */

/**
 * EVN's residential retail tariff (VND/kWh before VAT) in force since 10 May 2025 (Decision 1279/QĐ-BCT):
 * 0–50, 51–100, 101–200, 201–300, 301–400, 401+ kWh.
 */
const ELECTRICITY_TIERS: [upTo: number, price: number][] = [
  [50, 1984],
  [100, 2050],
  [200, 2380],
  [300, 2998],
  [400, 3350],
  [Number.POSITIVE_INFINITY, 3460],
];
/** VAT on electricity: 8 % under the 2025–2026 VAT reduction (Resolution 204/2025/QH15). */
const ELECTRICITY_VAT = 0.08;

/** A month's electricity bill for `kwh`, tier by tier, VAT included, rounded to the đồng. */
export function electricityBill(kwh: number): number {
  let rest = Math.max(0, Math.round(kwh));
  let below = 0;
  let net = 0;
  for (const [upTo, price] of ELECTRICITY_TIERS) {
    const inTier = Math.min(rest, upTo - below);
    net += inTier * price;
    rest -= inTier;
    below = upTo;
    if (rest === 0) break;
  }
  return Math.round(net * (1 + ELECTRICITY_VAT));
}

/**
 * Rural clean water: 8,500 VND/m³ (a typical provincial price for rural supply schemes), plus 5 % VAT and
 * the 10 % environmental protection fee on waste water (Decree 53/2020/NĐ-CP), rounded to the đồng.
 */
export function waterBill(cubicMetres: number): number {
  const net = Math.max(1, Math.round(cubicMetres)) * 8_500;
  return Math.round(net * 1.05 + net * 0.1);
}

/**
 * The household waste-collection fee in rural Hà Nội: 6,000 VND per person per month (Decision
 * 54/2016/QĐ-UBND), billed monthly per household.
 */
export function environmentFee(members: number): number {
  return Math.max(1, members) * 6_000;
}

/** Fees paid at the commune's one-stop desk (bộ phận một cửa), with how often each is asked for. */
export const publicServices: { purpose: string; weight: number; amount: (pages: number) => number }[] = [
  // Certified copies: 2,000 VND per page (Circular 226/2016/TT-BTC).
  { purpose: 'Chứng thực bản sao', weight: 45, amount: (pages) => 2_000 * pages },
  { purpose: 'Chứng thực chữ ký', weight: 20, amount: () => 10_000 },
  { purpose: 'Trích lục hộ tịch', weight: 15, amount: () => 8_000 },
  { purpose: 'Chứng thực hợp đồng giao dịch', weight: 8, amount: () => 50_000 },
  { purpose: 'Lệ phí cấp giấy phép xây dựng', weight: 4, amount: () => 75_000 },
  { purpose: 'Đăng ký biến động đất đai', weight: 8, amount: () => 30_000 },
];
