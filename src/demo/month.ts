/**
 * A month of the demo commune's payments, decided in advance from a seed: the bills issued (school fees,
 * electricity, water, the environment fee, one-stop-desk fees), who pays what, when, by QR or in cash,
 * the market's sales, and how each bank credit reaches us — its provider's callback on time, twice, late,
 * or never (a bank statement fills the gap). Pure: the runner (run.ts) delivers it and truth.ts says what
 * the metrics must then show.
 *
 * Proportions are those of a rural commune near Hà Nội today: electricity is the most cashless bill
 * (~85–90 % by count: EVN's e-billing brings the VietQR to the phone), school fees ~60–70 %, market
 * sales ~20–35 % of sales by count, the environment fee mostly cash (the hamlet's collector comes to the
 * door); about half of the households pay at least one bill without cash in a month.
 */
import { addDays, eachDay } from '../metrics/day.js';
import type { Account, BillerKey, Commune, Household, Provider, SchoolKey, Stall } from './model.js';
import { Random } from './random.js';
import { electricityBill, environmentFee, publicServices, waterBill } from './tariffs.js';

export type Category =
  | 'school_fee'
  | 'electricity'
  | 'water'
  | 'environment_fee'
  | 'public_service_fee'
  | 'market';

/** Whose account a bill or credit goes to. */
export type PayeeRef =
  | { type: 'biller'; key: BillerKey }
  | { type: 'school'; key: SchoolKey }
  | { type: 'stall'; stallNo: string };

export type Bill = {
  index: number;
  payee: PayeeRef;
  category: Exclude<Category, 'market'>;
  amount: number;
  purpose: string;
  payerRef: string;
  payerName: string;
  payerGroup: string;
  householdCode: string;
  /** Our id for it, sent as externalId: issuing the month again finds the stored request. */
  externalId: string;
  /** The household's hamlet: where its payments count. */
  unitCode: string;
};

/**
 * How the payer's bank and the provider rewrite the memo (shared/providers/README.md, "What real memos
 * look like"): each must still give back the reference code.
 */
export type MemoStyle =
  | 'plain'
  | 'bank-prefix'
  | 'no-spaces'
  | 'lower-case'
  | 'ibft'
  | 'interbank-trailer'
  | 'truncated'
  | 'name-appended'
  | 'punctuation';

export type StatementVariant = 'same' | 'upper' | 'cut';

export type Intent =
  /** Pays the bill in full. */
  | 'pay'
  /** Pays part by QR; the rest comes in cash later (`CashEntry.bill`). */
  | 'partial'
  /** Pays more than asked (typed the amount): counted, flagged for refund of the excess. */
  | 'over'
  /** Pays a bill it already paid (a second transfer the next day): a duplicate, not counted. */
  | 'again'
  /** Mistyped the reference: the credit goes to the review queue, the bill stays open. */
  | 'typo'
  /** A sale at a market stall's static QR. */
  | 'sale';

/**
 * How the credit reaches us. `missing` never arrives by callback (its account's statement for that day
 * brings it); `late` arrives after the statements; `duplicate` arrives twice.
 */
export type Delivery = 'on_time' | 'duplicate' | 'late' | 'missing';

export type Credit = {
  /** Serial in the month: provider ids and bank references derive from it. */
  n: number;
  payee: PayeeRef;
  account: string;
  provider: Provider;
  amount: number;
  at: Date;
  payer: Account;
  bill?: number;
  intent: Intent;
  /** What the payer's app sent as the transfer content; `{ref}` stands for the bill's QR purpose. */
  content: string;
  style: MemoStyle;
  /**
   * How the receiving bank's statement prints the same memo: as the callback carried it (the aggregator
   * relays the bank's own text), upper-cased, or cut at 40 characters.
   */
  statementVariant: StatementVariant;
  bankRef: string;
  delivery: Delivery;
  /** For market sales: the commune's household the buyer belongs to (if any). */
  householdCode?: string;
};

export type CashEntry = {
  n: number;
  payee: PayeeRef;
  at: Date;
  amount: number;
  category: Category;
  /** Pays this bill (by index). */
  bill?: number;
  /** A vendor's day of takings in one entry. */
  saleCount: number;
};

export type MonthPlan = {
  month: string;
  seed: number;
  /** First and last day with payments (the last is earlier than the month's end for the current month). */
  from: string;
  to: string;
  /** `statements`: every credit comes by statement, one per account for the whole period. */
  delivery: 'callbacks' | 'statements';
  bills: Bill[];
  credits: Credit[];
  cash: CashEntry[];
  /** A provider that was down for a while: its callbacks in that window are `missing`. */
  outage?: { provider: Provider; from: Date; to: Date };
};

export type MonthOptions = {
  /** YYYY-MM */
  month: string;
  seed: number;
  /**
   * Only what happened before this instant (the current month so far); bills are issued regardless.
   * The month is planned whole and then cut, so a later `until` only adds to an earlier one's plan: the
   * same credits (numbers, bank references, memos) and cash entries, and more of them.
   */
  until?: Date;
  /** Fraction of the market's sales to keep (1 = all): a lighter history for a quick start. */
  marketVolume?: number;
  /** Deliveries: the default mixes duplicates, late and missing callbacks; `statement` brings every credit by statement. */
  delivery?: 'callbacks' | 'statements';
};

const MONTH = /^(\d{4})-(\d{2})$/;

export function monthDays(month: string): string[] {
  const m = MONTH.exec(month);
  if (!m) throw new RangeError(`month must be YYYY-MM, got ${month}`);
  const last = new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)).getUTCDate();
  return eachDay(`${month}-01`, `${month}-${String(last).padStart(2, '0')}`);
}

/** Vietnam is UTC+7 all year (no daylight saving since 1975), so its calendar is a fixed shift of UTC. */
const VN_OFFSET_MS = 7 * 3600_000;

/** An instant from a calendar day and a time of day in Vietnam. */
export function vnInstant(day: string, minutesOfDay: number, seconds = 0): Date {
  const midnight = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)));
  return new Date(midnight - VN_OFFSET_MS + Math.floor(minutesOfDay) * 60_000 + seconds * 1000);
}

/** The calendar day of an instant in Vietnam (what the metrics call its day). */
export function vnDayOf(at: Date): string {
  return new Date(at.getTime() + VN_OFFSET_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. */
export const weekday = (day: string) => new Date(`${day}T00:00:00Z`).getUTCDay();

/** How likely a household is to pay a bill of this kind without cash, from its propensity `c` (0 … 1). */
const cashlessChance: Record<Exclude<Category, 'market'>, (c: number) => number> = {
  electricity: (c) => 0.6 + 0.38 * c,
  school_fee: (c) => 0.28 + 0.7 * c,
  water: (c) => 0.04 + 0.7 * c * c,
  environment_fee: (c) => 0.02 + 0.45 * c * c,
  public_service_fee: (c) => 0.03 + 0.6 * c * c,
};

const contentForBill = '{ref}';

const styleWeights: [MemoStyle, number][] = [
  ['plain', 25],
  ['bank-prefix', 15],
  ['no-spaces', 8],
  ['lower-case', 8],
  ['ibft', 10],
  ['interbank-trailer', 8],
  ['truncated', 10],
  ['name-appended', 10],
  ['punctuation', 6],
];

const marketContents = ['', 'chuyen tien', 'thanh toan', 'ck', 'tt tien hang', 'mua hang'];
const marketByKind: Record<Stall['kind'], string[]> = {
  vegetables: ['mua rau', 'tien rau'],
  meat: ['tien thit', 'mua thit'],
  fish: ['tien ca', 'mua ca'],
  grocery: ['tien hang', 'mua gao'],
  clothes: ['mua quan ao', 'tien ao'],
  food: ['an sang', 'tien bun', 'tien pho'],
  fruit: ['mua hoa qua', 'tien qua'],
};

function monthLabel(month: string) {
  const [y, m] = month.split('-');
  return `${Number(m)}/${y}`;
}

/** Plans the month. Same commune, month and seed → the same plan. */
export function planMonth(commune: Commune, options: MonthOptions): MonthPlan {
  const days = monthDays(options.month);
  const until = options.until;
  const cutoff = until === undefined ? Number.POSITIVE_INFINITY : until.getTime() - 10 * 60_000;
  const root = new Random(options.seed).fork(`month:${options.month}`);
  const label = monthLabel(options.month);
  const ym = options.month;
  const marketVolume = options.marketVolume ?? 1;
  const byStatement = options.delivery === 'statements';
  const householdByCode = new Map(commune.households.map((h) => [h.code, h]));
  const hamletName = new Map(commune.hamlets.map((h) => [h.code, h.name]));
  const stallByNo = new Map(commune.stalls.map((s) => [s.stallNo, s]));
  const payeeOf = (p: PayeeRef) =>
    p.type === 'biller'
      ? commune.billers[p.key]
      : p.type === 'school'
        ? commune.schools.find((s) => s.key === p.key)!
        : stallByNo.get(p.stallNo)!;
  const accountOf = (p: PayeeRef): string => payeeOf(p).account.number;
  const providerOf = (p: PayeeRef): Provider => payeeOf(p).provider;

  const bills: Bill[] = [];
  const credits: Credit[] = [];
  const cash: CashEntry[] = [];
  const lastDay = days[days.length - 1]!;
  const dayIndex = (n: number) => days[Math.min(days.length, Math.max(1, n)) - 1]!;

  // The outage: one aggregator down for two hours on a busy morning.
  const outageDay = dayIndex(root.fork('outage').int(8, 20));
  const outage = byStatement
    ? undefined
    : {
        provider: 'casso' as Provider,
        from: vnInstant(outageDay, 8 * 60 + 30),
        to: vnInstant(outageDay, 10 * 60 + 30),
      };

  const deliveryRng = root.fork('delivery');
  const delivery = (provider: Provider, at: Date): Delivery => {
    const r = deliveryRng.next();
    if (byStatement) return 'missing';
    if (outage && provider === outage.provider && at >= outage.from && at < outage.to) return 'missing';
    if (r < 0.03) return 'duplicate';
    if (r < 0.045) return 'late';
    if (r < 0.05) return 'missing';
    return 'on_time';
  };
  const styleRng = root.fork('styles');
  let serial = 0;
  const addCredit = (
    c: Omit<Credit, 'n' | 'account' | 'provider' | 'style' | 'statementVariant' | 'bankRef' | 'delivery'>,
  ) => {
    const n = ++serial;
    const provider = providerOf(c.payee);
    const doy = Math.floor((c.at.getTime() - Date.UTC(c.at.getUTCFullYear(), 0, 0)) / 86_400_000);
    credits.push({
      ...c,
      n,
      account: accountOf(c.payee),
      provider,
      style: styleRng.weighted(styleWeights),
      statementVariant: styleRng.weighted<StatementVariant>([
        ['same', 60],
        ['upper', 25],
        ['cut', 15],
      ]),
      bankRef: `FT${String(c.at.getUTCFullYear()).slice(2)}${String(doy).padStart(3, '0')}${styleRng.digits(4)}${String(n).padStart(6, '0')}`,
      delivery: delivery(provider, c.at),
    });
  };
  let cashSerial = 0;
  const addCash = (c: Omit<CashEntry, 'n'>) => cash.push({ ...c, n: ++cashSerial });

  /** Minutes of day for a payment by phone: morning, lunch and (most) evening. */
  const phoneTime = (rng: Random) =>
    rng.weighted([
      [() => rng.int(6 * 60, 9 * 60), 25],
      [() => rng.int(11 * 60, 13 * 60 + 30), 20],
      [() => rng.int(18 * 60, 22 * 60), 45],
      [() => rng.int(9 * 60, 18 * 60), 10],
    ] as const)();
  /** Office hours at a counter. */
  const counterTime = (rng: Random) =>
    rng.chance(0.6) ? rng.int(7 * 60 + 30, 11 * 60 + 20) : rng.int(13 * 60 + 30, 16 * 60 + 50);
  const workingDayFrom = (rng: Random, first: number, last: number, saturday = true) => {
    for (let i = 0; i < 20; i++) {
      const d = dayIndex(rng.int(first, last));
      const w = weekday(d);
      if (w !== 0 && (saturday || w !== 6)) return d;
    }
    return dayIndex(first);
  };

  /**
   * One bill's fate: unpaid, paid by QR (with the occasional partial, over-payment, second payment or
   * typo), or paid in cash at the counter.
   */
  const settleBill = (
    rng: Random,
    bill: Bill,
    household: Household,
    when: {
      issueDay: number;
      lastDay: number;
      payRate: number;
      cashDay: (rng: Random) => string;
      cashTime: (rng: Random) => number;
    },
  ) => {
    if (!rng.chance(when.payRate)) return;
    const cashless = rng.chance(cashlessChance[bill.category](household.cashless));
    if (!cashless) {
      const at = vnInstant(when.cashDay(rng), when.cashTime(rng), rng.int(0, 59));
      addCash({
        payee: bill.payee,
        at,
        amount: bill.amount,
        category: bill.category,
        bill: bill.index,
        saleCount: 1,
      });
      return;
    }
    // Early payers (auto-pay, the evening the bill arrives) and the rest spread over the month.
    const day = dayIndex(
      rng.chance(0.45)
        ? when.issueDay + rng.int(0, 3)
        : rng.int(when.issueDay, Math.max(when.issueDay, when.lastDay)),
    );
    const at = vnInstant(day, phoneTime(rng), rng.int(0, 59));
    const payer = household.account;
    const intent = rng.weighted<Intent>([
      ['pay', 97.8],
      ['partial', 1],
      ['over', 0.5],
      ['again', 0.35],
      ['typo', 0.35],
    ]);
    const base = { payee: bill.payee, at, payer, bill: bill.index, content: contentForBill };
    if (intent === 'partial' && bill.amount >= 20_000) {
      const part = Math.max(1000, Math.floor((bill.amount * (0.4 + 0.4 * rng.next())) / 1000) * 1000);
      addCredit({ ...base, amount: part, intent });
      const later = vnInstant(addDays(day, rng.int(2, 8)), counterTime(rng), rng.int(0, 59));
      if (later.toISOString() <= vnInstant(lastDayOf(days), 23 * 60).toISOString()) {
        addCash({
          payee: bill.payee,
          at: later,
          amount: bill.amount - part,
          category: bill.category,
          bill: bill.index,
          saleCount: 1,
        });
      }
      return;
    }
    if (intent === 'over') {
      addCredit({ ...base, amount: Math.ceil((bill.amount + 1) / 10_000) * 10_000, intent });
      return;
    }
    if (intent === 'typo') {
      addCredit({ ...base, amount: bill.amount, intent });
      return;
    }
    addCredit({ ...base, amount: bill.amount, intent: 'pay' });
    if (intent === 'again') {
      const next = new Date(at.getTime() + 86_400_000 + rng.int(-3600, 3600) * 1000);
      if (next.getTime() < vnInstant(lastDay, 23 * 60 + 59).getTime()) {
        addCredit({ ...base, at: next, amount: bill.amount, intent: 'again' });
      }
    }
  };

  // --- Environment fee: every household, issued on the 1st; collectors go door to door on a weekend.
  {
    const rng = root.fork('environment');
    const collectionDay = new Map(
      commune.hamlets.map((h) => {
        const weekends = days.filter((d) => (weekday(d) === 0 || weekday(d) === 6) && d >= dayIndex(8));
        return [h.code, rng.pick(weekends.length > 0 ? weekends : days)];
      }),
    );
    for (const h of commune.households) {
      const bill = pushBill(bills, {
        payee: { type: 'biller', key: 'environment' },
        category: 'environment_fee',
        amount: environmentFee(h.members),
        purpose: `Phí vệ sinh môi trường tháng ${label}`,
        payerRef: h.code,
        payerName: h.head,
        payerGroup: hamletName.get(h.hamletCode)!,
        householdCode: h.code,
        externalId: `VSMT-${ym}-${h.code}`,
        unitCode: h.hamletCode,
      });
      settleBill(rng, bill, h, {
        issueDay: 1,
        lastDay: 25,
        payRate: 0.93,
        cashDay: (r) => (r.chance(0.85) ? collectionDay.get(h.hamletCode)! : workingDayFrom(r, 2, 28)),
        cashTime: (r) => (r.chance(0.5) ? r.int(7 * 60 + 30, 11 * 60) : r.int(14 * 60, 17 * 60 + 30)),
      });
    }
  }

  // --- Water: households on the piped scheme, billed on the 3rd by the cubic metre.
  {
    const rng = root.fork('water');
    let customer = 0;
    for (const h of commune.households) {
      customer++;
      if (!h.water) continue;
      const m3 = h.members * rng.logNormal(3.1, 0.3);
      const bill = pushBill(bills, {
        payee: { type: 'biller', key: 'water' },
        category: 'water',
        amount: waterBill(m3),
        purpose: `Tiền nước tháng ${label}`,
        payerRef: `KHN${String(customer).padStart(5, '0')}`,
        payerName: h.head,
        payerGroup: hamletName.get(h.hamletCode)!,
        householdCode: h.code,
        externalId: `NUOC-${ym}-${h.code}`,
        unitCode: h.hamletCode,
      });
      settleBill(rng, bill, h, {
        issueDay: 3,
        lastDay: 26,
        payRate: 0.95,
        cashDay: (r) => workingDayFrom(r, 4, 25),
        cashTime: counterTime,
      });
    }
  }

  // --- Electricity: e-billing households, billed on the 5th by EVN's residential tiers.
  {
    const rng = root.fork('electricity');
    let customer = 0;
    for (const h of commune.households) {
      customer++;
      if (!h.electricity) continue;
      const kwh = rng.logNormal(40 + 30 * h.members, 0.35);
      const bill = pushBill(bills, {
        payee: { type: 'biller', key: 'electricity' },
        category: 'electricity',
        amount: electricityBill(kwh),
        purpose: `Tiền điện tháng ${label}`,
        payerRef: `PA04MP${String(customer).padStart(6, '0')}`,
        payerName: h.head,
        payerGroup: hamletName.get(h.hamletCode)!,
        householdCode: h.code,
        externalId: `DIEN-${ym}-${h.code}`,
        unitCode: h.hamletCode,
      });
      settleBill(rng, bill, h, {
        issueDay: 5,
        lastDay: 27,
        payRate: 0.97,
        cashDay: (r) => workingDayFrom(r, 6, 26),
        cashTime: counterTime,
      });
    }
  }

  // --- School fees: every pupil, issued on the 1st (meals and services; tuition is free since 9/2025).
  {
    const rng = root.fork('schools');
    for (const school of commune.schools) {
      for (const s of school.students) {
        const h = householdByCode.get(s.householdCode)!;
        const { amount, purpose } = schoolFee(school.key, s.boarding, s.className, label, rng);
        const bill = pushBill(bills, {
          payee: { type: 'school', key: school.key },
          category: 'school_fee',
          amount,
          purpose,
          payerRef: s.code,
          payerName: s.name,
          payerGroup: s.className,
          householdCode: h.code,
          externalId: `HP-${ym}-${s.code}`,
          unitCode: h.hamletCode,
        });
        settleBill(rng, bill, h, {
          issueDay: 1,
          lastDay: 15,
          payRate: 0.96,
          cashDay: (r) => workingDayFrom(r, 2, 15, false),
          cashTime: (r) => r.int(7 * 60, 16 * 60 + 30),
        });
      }
    }
  }

  // --- One-stop desk: residents come in, the fee is issued and paid on the spot.
  {
    const rng = root.fork('public');
    let visit = 0;
    for (const h of commune.households) {
      const visits = rng.poisson(0.15);
      for (let v = 0; v < visits; v++) {
        const service = rng.weighted(publicServices.map((s) => [s, s.weight] as const));
        const day = workingDayFrom(rng, 1, days.length);
        const saturday = weekday(day) === 6;
        const minutes = saturday ? rng.int(7 * 60 + 30, 11 * 60) : counterTime(rng);
        visit++;
        const bill = pushBill(bills, {
          payee: { type: 'biller', key: 'public' },
          category: 'public_service_fee',
          amount: service.amount(rng.int(1, 8)),
          purpose: service.purpose,
          payerRef: h.code,
          payerName: h.head,
          payerGroup: hamletName.get(h.hamletCode)!,
          householdCode: h.code,
          externalId: `MC-${ym}-${String(visit).padStart(5, '0')}`,
          unitCode: h.hamletCode,
        });
        const at = vnInstant(day, minutes + rng.int(3, 15), rng.int(0, 59));
        if (rng.chance(cashlessChance.public_service_fee(h.cashless))) {
          addCredit({
            payee: bill.payee,
            at,
            amount: bill.amount,
            payer: h.account,
            bill: bill.index,
            content: contentForBill,
            intent: 'pay',
          });
        } else {
          addCash({
            payee: bill.payee,
            at,
            amount: bill.amount,
            category: 'public_service_fee',
            bill: bill.index,
            saleCount: 1,
          });
        }
      }
    }
  }

  // --- The market: every day, mornings (and some afternoons); busier on market days (every 5th day).
  {
    const rng = root.fork('market');
    const buyers = commune.households.filter((h) => h.cashless > 0.5);
    for (const stall of commune.stalls) {
      const srng = rng.fork(stall.stallNo);
      for (const day of days) {
        if (!srng.chance(0.92)) continue;
        const dom = Number(day.slice(8));
        const boost = (dom % 5 === 1 ? 1.5 : 1) * (weekday(day) === 0 ? 1.2 : 1);
        const n = srng.poisson(stall.salesPerDay * boost * marketVolume);
        let cashCount = 0;
        let cashAmount = 0;
        for (let i = 0; i < n; i++) {
          const afternoon = stall.afternoon && srng.chance(0.3);
          const minutes = afternoon ? srng.int(15 * 60, 18 * 60 + 20) : srng.int(5 * 60 + 15, 10 * 60 + 45);
          const amount = Math.max(
            5_000,
            Math.round(srng.logNormal(stall.priceMedian, stall.priceSigma) / 1000) * 1000,
          );
          const at = vnInstant(day, minutes, srng.int(0, 59));
          if (srng.chance(stall.qrShare)) {
            const local = buyers.length > 0 && srng.chance(0.75);
            const household = local ? srng.pick(buyers) : undefined;
            const payer = household?.account ?? outsider(srng);
            const typed = srng.chance(0.5) ? srng.pick(marketByKind[stall.kind]) : srng.pick(marketContents);
            addCredit({
              payee: { type: 'stall', stallNo: stall.stallNo },
              at,
              amount,
              payer,
              content: srng.chance(0.4) ? `${payer.holder} chuyen tien` : typed,
              intent: 'sale',
              householdCode: household?.code,
            });
          } else {
            cashCount++;
            cashAmount += amount;
          }
        }
        // The vendor enters the day's cash takings once, at closing time.
        const close = vnInstant(day, stall.afternoon ? 18 * 60 + 40 : 11 * 60 + 15, srng.int(0, 59));
        if (cashCount > 0) {
          addCash({
            payee: { type: 'stall', stallNo: stall.stallNo },
            at: close,
            amount: cashAmount,
            category: 'market',
            saleCount: cashCount,
          });
        }
      }
    }
  }

  // What has not happened yet is cut only now, so the plan is the same whatever `until` is, only shorter.
  // (A vendor enters the day's cash at closing time, after all of the day's sales.)
  const happened = (e: { at: Date }) => e.at.getTime() <= cutoff;
  const happenedCredits = credits.filter(happened);
  const happenedCash = cash.filter(happened);
  happenedCredits.sort((a, b) => a.at.getTime() - b.at.getTime() || a.n - b.n);
  happenedCash.sort((a, b) => a.at.getTime() - b.at.getTime() || a.n - b.n);
  const lastHappened = until ? days.filter((d) => vnInstant(d, 0).getTime() <= until.getTime()) : days;
  return {
    month: options.month,
    seed: options.seed,
    from: days[0]!,
    to: lastHappened[lastHappened.length - 1] ?? days[0]!,
    delivery: byStatement ? 'statements' : 'callbacks',
    bills,
    credits: happenedCredits,
    cash: happenedCash,
    outage,
  };
}

const lastDayOf = (days: string[]) => days[days.length - 1]!;

function pushBill(bills: Bill[], bill: Omit<Bill, 'index'>): Bill {
  const b = { ...bill, index: bills.length };
  bills.push(b);
  return b;
}

/** A buyer from outside the commune (a trader, a visitor): an account nobody else uses. */
function outsider(rng: Random): Account {
  const bin = rng.weighted([
    ['970405', 30],
    ['970422', 25],
    ['970436', 20],
    ['970407', 15],
    ['971025', 10],
  ] as const);
  const given = rng.pick(['AN', 'BINH', 'HA', 'HUNG', 'LAN', 'MAI', 'NAM', 'THU', 'TUAN', 'YEN']);
  const surname = rng.pick(['NGUYEN', 'TRAN', 'LE', 'PHAM', 'HOANG', 'VU', 'DO']);
  return {
    bin,
    number: `8${rng.digits(11)}`,
    holder: `${surname} ${rng.pick(['VAN', 'THI', 'DUC', 'MINH'])} ${given}`,
  };
}

/**
 * What a pupil's family pays in a month. Public tuition is free from September 2025 (Resolution
 * 217/2025/QH15); schools still collect for meals (bán trú), care and services.
 */
function schoolFee(
  school: SchoolKey,
  boarding: boolean,
  className: string,
  label: string,
  rng: Random,
): { amount: number; purpose: string } {
  const schoolDays = 21;
  if (school === 'mam-non') {
    const care = className.startsWith('Nhà trẻ') ? 200_000 : 150_000;
    return { amount: schoolDays * 22_000 + care, purpose: `Tiền ăn và chăm sóc bán trú tháng ${label}` };
  }
  if (school === 'tieu-hoc') {
    return boarding
      ? { amount: schoolDays * 25_000 + 120_000, purpose: `Tiền ăn bán trú tháng ${label}` }
      : { amount: 35_000, purpose: `Nước uống, vệ sinh tháng ${label}` };
  }
  return rng.chance(0.3)
    ? { amount: 100_000, purpose: `Nước uống, vệ sinh, kỹ năng sống tháng ${label}` }
    : { amount: 40_000, purpose: `Nước uống, vệ sinh tháng ${label}` };
}
