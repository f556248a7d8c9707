/**
 * One fee (a single request, or a row of a batch) checked on its own, without the database: shape,
 * amount, category, expiry. Pure, so the batch import can judge 10,000 rows without a round trip each
 * and tests can throw anything at it. What needs the database (payee, household, external id) is
 * checked in `service.ts`.
 */
import { type AmountProblem, parseVndAmount } from './amount.js';
import type { CsvRow } from './csv.js';
import { parseExpiry } from './dates.js';
import { type FeeItemInput, feeItemSchema, type PaymentCategory, paymentCategories } from './schema.js';

export type RowError = { code: string; message: string; field?: string };

export type ValidFee = {
  amount: number;
  category: PaymentCategory;
  purpose: string | null;
  payerRef: string | null;
  payerName: string | null;
  payerGroup: string | null;
  householdCode: string | null;
  expiresAt: Date | null;
  externalId: string | null;
};

export type FeeDefaults = { category?: PaymentCategory; expiresAt?: Date };

export type Checked<T> = { ok: true; value: T } | { ok: false; error: RowError };

const FIELD_CODES: Record<string, string> = {
  amount: 'invalid_amount',
  category: 'unknown_category',
  expiresAt: 'invalid_expiry',
};

/** Checks one fee item (JSON, or a CSV row already read by `csvRowToItem`). `now` decides what is past. */
export function validateFeeItem(input: unknown, defaults: FeeDefaults, now: Date): Checked<ValidFee> {
  const parsed = feeItemSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      return {
        ok: false,
        error: {
          code: 'unknown_field',
          message: `Unknown field(s): ${issue.keys.join(', ')}`,
          field: issue.keys[0],
        },
      };
    }
    const field = String(issue.path[0] ?? '');
    let code = FIELD_CODES[field] ?? 'invalid_field';
    if (field === 'amount' && issue.code === 'too_big') code = 'amount_too_large';
    if (
      field === 'amount' &&
      issue.code === 'invalid_type' &&
      (input as { amount?: unknown })?.amount === undefined
    ) {
      code = 'missing_amount';
    }
    return {
      ok: false,
      error: { code, message: `${field || 'item'}: ${issue.message}`, field: field || undefined },
    };
  }
  return checkFee(parsed.data, defaults, now);
}

function checkFee(item: FeeItemInput, defaults: FeeDefaults, now: Date): Checked<ValidFee> {
  const category = item.category ?? defaults.category;
  if (!category) {
    return {
      ok: false,
      error: {
        code: 'missing_category',
        message: 'No category for this item, nor for the batch',
        field: 'category',
      },
    };
  }
  const expiresAt =
    item.expiresAt === undefined ? (defaults.expiresAt ?? null) : parseExpiry(item.expiresAt)!;
  if (expiresAt && expiresAt.getTime() <= now.getTime()) {
    return {
      ok: false,
      error: {
        code: 'expiry_in_past',
        message: `Expiry ${expiresAt.toISOString()} has already passed`,
        field: 'expiresAt',
      },
    };
  }
  return {
    ok: true,
    value: {
      amount: item.amount,
      category,
      purpose: item.purpose ?? null,
      payerRef: item.payerRef ?? null,
      payerName: item.payerName ?? null,
      payerGroup: item.payerGroup ?? null,
      householdCode: item.householdCode ?? null,
      expiresAt,
      externalId: item.externalId ?? null,
    },
  };
}

/** Category cells as people type them: our codes, or the Vietnamese name of the fee. */
const CATEGORY_ALIASES: Record<string, PaymentCategory> = {
  hocphi: 'school_fee',
  tiendien: 'electricity',
  dien: 'electricity',
  tiennuoc: 'water',
  nuoc: 'water',
  phimoitruong: 'environment_fee',
  phivesinh: 'environment_fee',
  phivesinhmoitruong: 'environment_fee',
  lephi: 'public_service_fee',
  phidichvucong: 'public_service_fee',
  cho: 'market',
  khac: 'other',
};

function csvCategory(cell: string, fold: (s: string) => string): string {
  if ((paymentCategories as readonly string[]).includes(cell)) return cell;
  return CATEGORY_ALIASES[fold(cell)] ?? cell;
}

/**
 * A CSV row as a fee item: the amount read the vi-VN way ("1.500.000"), everything else as text for
 * `validateFeeItem`. An unreadable amount is the row's error.
 */
export function csvRowToItem(row: CsvRow, fold: (s: string) => string): Checked<Record<string, unknown>> {
  const { amount, category, ...rest } = row.values;
  if (amount === undefined) {
    return {
      ok: false,
      error: { code: 'missing_amount', message: 'The amount cell is empty', field: 'amount' },
    };
  }
  const n = parseVndAmount(amount);
  if (typeof n !== 'number') return { ok: false, error: { ...(n as AmountProblem), field: 'amount' } };
  const item: Record<string, unknown> = { ...rest, amount: n };
  if (category !== undefined) item.category = csvCategory(category, fold);
  return { ok: true, value: item };
}
