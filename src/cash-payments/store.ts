import { and, asc, desc, eq, getTableColumns, gt, gte, lt, or, type SQL, sql } from 'drizzle-orm';
import { type Principal, scopeFilter } from '../auth/principal.js';
import type { DbOrTx } from '../db/client.js';
import { recordCashPaymentEvent } from '../events/store.js';
import type { PaymentFact } from '../metrics/facts.js';
import { payees } from '../payees/tables.js';
import { units } from '../units/tables.js';
import { cashPayments } from './tables.js';

type Row = typeof cashPayments.$inferSelect;
/** A cash payment with its scope: the payee's unit path (like payment requests) and the payee's kind. */
export type CashPayment = Row & { unitPath: string; payeeKind: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const columns = { ...getTableColumns(cashPayments), unitPath: units.path, payeeKind: payees.kind };

const selectCash = (db: DbOrTx) =>
  db
    .select(columns)
    .from(cashPayments)
    .innerJoin(payees, eq(payees.id, cashPayments.payeeId))
    .innerJoin(units, eq(units.code, payees.unitCode));

export type NewCashPayment = Omit<typeof cashPayments.$inferInsert, 'id' | 'createdAt'>;

export async function insertCashPayment(db: DbOrTx, input: NewCashPayment): Promise<Row> {
  const [row] = await db.insert(cashPayments).values(input).returning();
  // The payee's live screens (vendor, bursar) read this event; call this inside the recording transaction.
  await recordCashPaymentEvent(db, row!);
  return row!;
}

export async function getCashPayment(db: DbOrTx, id: string): Promise<CashPayment | undefined> {
  if (!UUID.test(id)) return undefined;
  const [row] = await selectCash(db).where(eq(cashPayments.id, id));
  return row;
}

export async function listCashPaymentsForRequest(
  db: DbOrTx,
  paymentRequestId: string,
): Promise<CashPayment[]> {
  return selectCash(db)
    .where(eq(cashPayments.paymentRequestId, paymentRequestId))
    .orderBy(asc(cashPayments.paidAt), asc(cashPayments.id));
}

export type CashFilter = {
  payeeId?: string;
  category?: string;
  householdCode?: string;
  paymentRequestId?: string;
  /** Paid at or after. */
  from?: Date;
  /** Paid before. */
  to?: Date;
};

function conditions(principal: Principal, f: CashFilter): (SQL | undefined)[] {
  return [
    scopeFilter(principal, { unitPath: units.path, payeeId: cashPayments.payeeId }),
    f.payeeId === undefined ? undefined : eq(cashPayments.payeeId, f.payeeId),
    f.category === undefined ? undefined : eq(cashPayments.category, f.category),
    f.householdCode === undefined ? undefined : eq(cashPayments.householdCode, f.householdCode),
    f.paymentRequestId === undefined ? undefined : eq(cashPayments.paymentRequestId, f.paymentRequestId),
    f.from === undefined ? undefined : gte(cashPayments.paidAt, f.from),
    f.to === undefined ? undefined : lt(cashPayments.paidAt, f.to),
  ];
}

export async function listCashPayments(
  db: DbOrTx,
  principal: Principal,
  filter: CashFilter & { limit: number; offset: number },
): Promise<CashPayment[]> {
  return selectCash(db)
    .where(and(...conditions(principal, filter)))
    .orderBy(desc(cashPayments.paidAt), desc(cashPayments.id))
    .limit(filter.limit)
    .offset(filter.offset);
}

/** Totals over the whole filter (not just the page): a vendor's "cash today". */
export async function totalCashPayments(db: DbOrTx, principal: Principal, filter: CashFilter) {
  const [row] = await db
    .select({
      entries: sql<number>`count(*)::int`,
      sales: sql<number>`coalesce(sum(${cashPayments.saleCount}), 0)::bigint`,
      amount: sql<number>`coalesce(sum(${cashPayments.amount}), 0)::bigint`,
    })
    .from(cashPayments)
    .innerJoin(payees, eq(payees.id, cashPayments.payeeId))
    .innerJoin(units, eq(units.code, payees.unitCode))
    .where(and(...conditions(principal, filter)));
  return {
    entries: Number(row?.entries ?? 0),
    sales: Number(row?.sales ?? 0),
    amount: Number(row?.amount ?? 0),
  };
}

/** A cash payment as the cashless ratios count it (the fact recorded with it, and replayed on a rebuild). */
export function cashPaymentFact(c: Pick<CashPayment, keyof Row | 'payeeKind'>): PaymentFact {
  return {
    channel: 'cash',
    count: c.saleCount,
    value: c.amount,
    occurredAt: c.paidAt,
    unitCode: c.unitCode,
    payeeId: c.payeeId,
    payeeKind: c.payeeKind,
    category: c.category,
    payerKey: c.householdCode ?? c.payerRef ?? null,
  };
}

/** Rows per page of `cashPaymentFacts`. */
export const CASH_FACTS_PAGE = 5000;

/**
 * Every cash payment as a payment fact, for the metrics rebuild. An async iterable that reads pages of
 * CASH_FACTS_PAGE rows in (paid_at, id) order with keyset pagination, so memory stays flat however much
 * cash a province has recorded and a payment recorded during the rebuild is either in a page or after
 * the last one, never read twice. Each page is its own query: pass a transaction (REPEATABLE READ) to
 * read one consistent snapshot.
 *
 *   for await (const fact of cashPaymentFacts(db)) …
 */
export async function* cashPaymentFacts(
  db: DbOrTx,
  options: { pageSize?: number } = {},
): AsyncIterable<PaymentFact> {
  const pageSize = options.pageSize ?? CASH_FACTS_PAGE;
  let after: { paidAt: Date; id: string } | undefined;
  for (;;) {
    const rows = await db
      .select({ ...getTableColumns(cashPayments), payeeKind: payees.kind })
      .from(cashPayments)
      .innerJoin(payees, eq(payees.id, cashPayments.payeeId))
      .where(
        after &&
          or(
            gt(cashPayments.paidAt, after.paidAt),
            and(eq(cashPayments.paidAt, after.paidAt), gt(cashPayments.id, after.id)),
          ),
      )
      .orderBy(asc(cashPayments.paidAt), asc(cashPayments.id))
      .limit(pageSize);
    for (const r of rows) yield cashPaymentFact(r);
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1]!;
    after = { paidAt: last.paidAt, id: last.id };
  }
}
