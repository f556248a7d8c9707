/**
 * The demo commune as data, built from a fixed seed so every machine gets the same one: a province, a
 * commune with eight hamlets (thôn/xóm), ~2,400 households, a market of ~150 stalls, three schools with
 * their classes, the electricity and water utilities, the waste-collection team and the commune's
 * one-stop desk. Pure: `seedDemoCommune` writes it, the month simulation pays its bills.
 *
 * `scale` shrinks everything in proportion (0.02 → ~48 households, 3 stalls) for quick tests; the
 * structure (hamlets, schools, utilities) stays.
 */
import { accountHolder, type Person, randomPerson, randomSurname } from './names.js';
import { Random } from './random.js';

/** The commune never changes with the month's seed: only its scale changes it. */
export const DEMO_COMMUNE_SEED = 0x00004;

export const DEMO_PROVINCE = { code: '01', name: 'Thành phố Hà Nội' } as const;
export const DEMO_COMMUNE = { code: '00004', name: 'Xã Minh Phú' } as const;

export type Provider = 'sepay' | 'payos' | 'casso' | 'generic';
export const providers: readonly Provider[] = ['sepay', 'payos', 'casso', 'generic'];

export type Account = { bin: string; number: string; holder: string };

export type Hamlet = {
  code: string;
  name: string;
  /** Mean propensity of its households to pay without cash (centre high, riverside low). */
  cashless: number;
  /** Share of its households on the piped-water scheme. */
  piped: number;
};

export type Kid = { name: string; age: number };

export type Household = {
  code: string;
  hamletCode: string;
  members: number;
  head: string;
  /** 0 … 1: how readily the household pays without cash. */
  cashless: number;
  /** A member's bank or e-wallet account, for households that pay by transfer at all. */
  account: Account;
  /** Receives its electricity bill with a VietQR through the commune (registered for e-billing). */
  electricity: boolean;
  /** On the piped-water scheme. */
  water: boolean;
  kids: Kid[];
};

export type StallKind = 'vegetables' | 'meat' | 'fish' | 'grocery' | 'clothes' | 'food' | 'fruit';

export type Stall = {
  stallNo: string;
  name: string;
  kind: StallKind;
  account: Account;
  provider: Provider;
  /** Share of this stall's sales (by count) paid by QR. */
  qrShare: number;
  /** Mean sales on an ordinary day. */
  salesPerDay: number;
  /** Typical sale (VND) and its spread (log-normal sigma). */
  priceMedian: number;
  priceSigma: number;
  /** Also open in the afternoon market (15:00–18:30). */
  afternoon: boolean;
};

export type Student = {
  code: string;
  name: string;
  householdCode: string;
  className: string;
  /** Boarding (bán trú): lunch at school, a larger monthly amount. */
  boarding: boolean;
};

export type SchoolKey = 'mam-non' | 'tieu-hoc' | 'thcs';
export type School = {
  key: SchoolKey;
  name: string;
  account: Account;
  provider: Provider;
  students: Student[];
};

export type BillerKey = 'electricity' | 'water' | 'environment' | 'public';
export type Biller = {
  key: BillerKey;
  name: string;
  kind: 'utility' | 'public_service';
  category: 'electricity' | 'water' | 'environment_fee' | 'public_service_fee';
  account: Account;
  provider: Provider;
};

export type Commune = {
  scale: number;
  province: { code: string; name: string };
  commune: { code: string; name: string };
  hamlets: Hamlet[];
  households: Household[];
  stalls: Stall[];
  schools: School[];
  billers: Record<BillerKey, Biller>;
};

const hamletPlan: { name: string; households: number; cashless: number; piped: number }[] = [
  { name: 'Thôn Đông', households: 360, cashless: 0.58, piped: 0.9 },
  { name: 'Thôn Đoài', households: 320, cashless: 0.45, piped: 0.8 },
  { name: 'Thôn Trung', households: 380, cashless: 0.53, piped: 0.85 },
  { name: 'Thôn Tân Lập', households: 300, cashless: 0.41, piped: 0.6 },
  { name: 'Thôn Đồng Tâm', households: 280, cashless: 0.35, piped: 0.55 },
  { name: 'Xóm Chợ', households: 260, cashless: 0.49, piped: 0.7 },
  { name: 'Xóm Đình', households: 270, cashless: 0.29, piped: 0.4 },
  { name: 'Xóm Bãi', households: 230, cashless: 0.21, piped: 0.3 },
];

/** Where people in a rural commune near Hà Nội bank (Agribank first), and the two big e-wallets. */
const personalBanks: [string, number][] = [
  ['970405', 30], // Agribank
  ['970422', 15], // MB
  ['970436', 12], // Vietcombank
  ['970418', 12], // BIDV
  ['970415', 10], // VietinBank
  ['970407', 7], // Techcombank
  ['970432', 5], // VPBank
  ['970423', 3], // TPBank
  ['971005', 4], // Viettel Money
  ['971025', 2], // MoMo
];

const stallBanks: [string, number][] = [
  ['970405', 25],
  ['970436', 15],
  ['970418', 14],
  ['970415', 10],
  ['970422', 15],
  ['970407', 6],
  ['971005', 10], // Viettel Money: an e-wallet QR at the stall
  ['971025', 5], // MoMo
];

/** Account numbers as each bank issues them (lengths and usual prefixes), digits from `rng`. */
function accountNumberFor(bin: string, rng: Random): string {
  switch (bin) {
    case '970405':
      return `${rng.pick(['1500', '2100', '2508', '3100'])}${rng.digits(9)}`;
    case '970436':
      return `10${rng.digits(8)}`;
    case '970418':
      return `2151${rng.digits(10)}`;
    case '970415':
      return `1000${rng.digits(8)}`;
    case '970407':
      return `19${rng.digits(12)}`;
    case '970432':
      return `${rng.digits(9)}`.replace(/^0/, '1');
    case '970423':
      return `0${rng.digits(10)}`;
    case '971005':
    case '971025':
    case '970422':
      return `0${rng.pick(['3', '8', '9'])}${rng.digits(8)}`;
    default:
      return rng.digits(12);
  }
}

/** Hands out account numbers, none twice in the demo (credits find their payee by the number alone). */
class Accounts {
  private readonly used = new Set<string>();
  constructor(private readonly rng: Random) {}
  open(bin: string, holder: string): Account {
    for (;;) {
      const number = accountNumberFor(bin, this.rng);
      if (!this.used.has(number)) {
        this.used.add(number);
        return { bin, number, holder: accountHolder(holder) };
      }
    }
  }
}

const stallPlan: {
  kind: StallKind;
  zone: string;
  share: number;
  salesPerDay: number;
  priceMedian: number;
  priceSigma: number;
  qrMean: number;
  names: string[];
}[] = [
  {
    kind: 'vegetables',
    zone: 'A',
    share: 0.24,
    salesPerDay: 50,
    priceMedian: 22_000,
    priceSigma: 0.55,
    qrMean: 0.2,
    names: ['Rau sạch', 'Rau củ', 'Rau quả'],
  },
  {
    kind: 'meat',
    zone: 'B',
    share: 0.13,
    salesPerDay: 36,
    priceMedian: 95_000,
    priceSigma: 0.5,
    qrMean: 0.3,
    names: ['Thịt lợn', 'Thịt bò', 'Gà vịt'],
  },
  {
    kind: 'fish',
    zone: 'C',
    share: 0.1,
    salesPerDay: 30,
    priceMedian: 80_000,
    priceSigma: 0.5,
    qrMean: 0.27,
    names: ['Cá tươi', 'Thủy sản', 'Cá đồng'],
  },
  {
    kind: 'grocery',
    zone: 'D',
    share: 0.17,
    salesPerDay: 32,
    priceMedian: 45_000,
    priceSigma: 0.8,
    qrMean: 0.32,
    names: ['Tạp hóa', 'Đồ khô', 'Gạo'],
  },
  {
    kind: 'clothes',
    zone: 'E',
    share: 0.13,
    salesPerDay: 9,
    priceMedian: 170_000,
    priceSigma: 0.5,
    qrMean: 0.42,
    names: ['Quần áo', 'Giày dép', 'Vải may'],
  },
  {
    kind: 'food',
    zone: 'F',
    share: 0.13,
    salesPerDay: 60,
    priceMedian: 30_000,
    priceSigma: 0.3,
    qrMean: 0.25,
    names: ['Bún chả', 'Phở', 'Bánh cuốn', 'Xôi', 'Chè'],
  },
  {
    kind: 'fruit',
    zone: 'G',
    share: 0.1,
    salesPerDay: 32,
    priceMedian: 40_000,
    priceSigma: 0.5,
    qrMean: 0.24,
    names: ['Hoa quả', 'Trái cây'],
  },
];

const FULL_STALLS = 150;

const round = (n: number, min: number) => Math.max(min, Math.round(n));

function honorific(p: Person, rng: Random): string {
  return p.female ? rng.pick(['cô', 'chị', 'bà']) : rng.pick(['anh', 'chú', 'ông']);
}

/** Builds the demo commune at `scale` (1 = full size). Same scale, same commune. */
export function buildCommune(scale = 1): Commune {
  if (!(scale > 0 && scale <= 1)) throw new RangeError('scale must be in (0, 1]');
  const root = new Random(DEMO_COMMUNE_SEED);
  const accounts = new Accounts(root.fork('accounts'));
  const hamlets: Hamlet[] = hamletPlan.map((h, i) => ({
    code: `${DEMO_COMMUNE.code}-H${String(i + 1).padStart(2, '0')}`,
    name: h.name,
    cashless: h.cashless,
    piped: h.piped,
  }));

  const households: Household[] = [];
  for (const [i, plan] of hamletPlan.entries()) {
    const hamlet = hamlets[i]!;
    const rng = root.fork(`households:${hamlet.code}`);
    const n = round(plan.households * scale, 1);
    for (let k = 1; k <= n; k++) {
      const surname = randomSurname(rng);
      const head = randomPerson(rng, surname, rng.chance(0.3));
      const withKids = rng.chance(0.4);
      const kidCount = withKids
        ? rng.weighted([
            [1, 40],
            [2, 45],
            [3, 15],
          ] as const)
        : 0;
      const kids: Kid[] = [];
      const eldest = rng.int(2, 14);
      for (let j = 0; j < kidCount; j++) {
        const age = eldest - j * rng.int(2, 4);
        if (age < 2) break;
        kids.push({ name: randomPerson(rng, surname).name, age });
      }
      const adults = rng.weighted([
        [1, 10],
        [2, 50],
        [3, 20],
        [4, 20],
      ] as const);
      const members = Math.min(9, adults + kids.length + (rng.chance(0.15) ? 1 : 0));
      // Younger families with children at school are a little more at ease with bank apps.
      const digital = rng.chance(Math.min(0.95, hamlet.cashless + (kids.length > 0 ? 0.12 : 0)));
      const cashless = digital ? 0.55 + 0.45 * rng.next() : 0.3 * rng.next();
      const holder = randomPerson(rng, surname);
      households.push({
        code: `${hamlet.code}-${String(k).padStart(4, '0')}`,
        hamletCode: hamlet.code,
        members,
        head: head.name,
        cashless,
        account: accounts.open(rng.weighted(personalBanks), holder.name),
        // E-billing registrants get the bill with its VietQR by Zalo/SMS; the rest pay EVN's collector.
        electricity: rng.chance(0.04 + 0.92 * cashless ** 1.5),
        water: rng.chance(hamlet.piped),
        kids,
      });
    }
  }

  const stalls: Stall[] = [];
  {
    const rng = root.fork('stalls');
    const total = round(FULL_STALLS * scale, 2);
    const counts = stallPlan.map((p) => Math.max(scale < 0.2 ? 0 : 1, Math.round(p.share * total)));
    // Adjust so the zones add up to `total` exactly (largest zone absorbs the rounding).
    counts[0]! += total - counts.reduce((a, b) => a + b, 0);
    for (const [z, plan] of stallPlan.entries()) {
      for (let s = 1; s <= counts[z]!; s++) {
        const owner = randomPerson(rng, randomSurname(rng), rng.chance(0.7));
        const bin = rng.weighted(stallBanks);
        const eWallet = bin.startsWith('971');
        stalls.push({
          stallNo: `${plan.zone}${String(s).padStart(2, '0')}`,
          name: `${rng.pick(plan.names)} ${honorific(owner, rng)} ${owner.given}`,
          kind: plan.kind,
          account: accounts.open(bin, owner.name),
          // E-wallet merchants notify through the commune's gateway in our generic format.
          provider: eWallet
            ? 'generic'
            : rng.weighted([
                ['sepay', 45],
                ['casso', 35],
                ['payos', 20],
              ] as const),
          qrShare: Math.min(0.9, rng.beta(plan.qrMean * 6, (1 - plan.qrMean) * 6)),
          salesPerDay: plan.salesPerDay * rng.logNormal(1, 0.3),
          priceMedian: plan.priceMedian,
          priceSigma: plan.priceSigma,
          afternoon: rng.chance(plan.kind === 'food' ? 0.6 : 0.25),
        });
      }
    }
  }

  const schools = buildSchools(root.fork('schools'), accounts, households);

  const biller = (
    key: BillerKey,
    name: string,
    kind: Biller['kind'],
    category: Biller['category'],
    bin: string,
    provider: Provider,
  ): Biller => ({ key, name, kind, category, account: accounts.open(bin, name), provider });
  const billers: Record<BillerKey, Biller> = {
    electricity: biller(
      'electricity',
      'HTX Dịch vụ Điện năng Minh Phú',
      'utility',
      'electricity',
      '970418',
      'sepay',
    ),
    water: biller('water', 'Trạm cấp nước sạch Minh Phú', 'utility', 'water', '970405', 'casso'),
    environment: biller(
      'environment',
      'Tổ thu gom rác thải xã Minh Phú',
      'public_service',
      'environment_fee',
      '970405',
      'sepay',
    ),
    public: biller(
      'public',
      'UBND xã Minh Phú - Bộ phận Một cửa',
      'public_service',
      'public_service_fee',
      '970415',
      'generic',
    ),
  };

  return {
    scale,
    province: { ...DEMO_PROVINCE },
    commune: { ...DEMO_COMMUNE },
    hamlets,
    households,
    stalls,
    schools,
    billers,
  };
}

/**
 * The three schools take the commune's children by age: kindergarten 2–5 (most, not all, attend),
 * primary 6–10, lower secondary 11–14; classes of at most 30 / 35 / 40, lettered A, B, C …
 */
function buildSchools(rng: Random, accounts: Accounts, households: Household[]): School[] {
  const plans: { key: SchoolKey; name: string; ages: [number, number]; classSize: number; bin: string }[] = [
    { key: 'mam-non', name: 'Trường Mầm non Minh Phú', ages: [2, 5], classSize: 30, bin: '970405' },
    { key: 'tieu-hoc', name: 'Trường Tiểu học Minh Phú', ages: [6, 10], classSize: 35, bin: '970418' },
    { key: 'thcs', name: 'Trường THCS Minh Phú', ages: [11, 14], classSize: 40, bin: '970405' },
  ];
  return plans.map((plan, p) => {
    const byAge = new Map<number, { kid: Kid; household: Household }[]>();
    for (const household of households) {
      for (const kid of household.kids) {
        if (kid.age < plan.ages[0] || kid.age > plan.ages[1]) continue;
        if (plan.key === 'mam-non' && !rng.chance(0.8)) continue;
        const list = byAge.get(kid.age) ?? [];
        list.push({ kid, household });
        byAge.set(kid.age, list);
      }
    }
    const students: Student[] = [];
    let serial = 0;
    for (let age = plan.ages[0]; age <= plan.ages[1]; age++) {
      const kids = rng.shuffle(byAge.get(age) ?? []);
      if (kids.length === 0) continue;
      const classes = Math.ceil(kids.length / plan.classSize);
      const grade = plan.key === 'mam-non' ? (age <= 2 ? 'Nhà trẻ ' : `Mẫu giáo ${age} tuổi `) : `${age - 5}`;
      for (const [i, { kid, household }] of kids.entries()) {
        const letter = String.fromCharCode(65 + (i % classes));
        serial++;
        students.push({
          code: `HS${p + 1}${String(serial).padStart(5, '0')}`,
          name: kid.name,
          householdCode: household.code,
          className: `${grade}${letter}`,
          boarding: plan.key === 'thcs' ? false : rng.chance(plan.key === 'mam-non' ? 1 : 0.7),
        });
      }
    }
    return {
      key: plan.key,
      name: plan.name,
      account: accounts.open(plan.bin, plan.name),
      provider: 'payos' as const,
      students,
    };
  });
}
