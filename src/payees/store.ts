import { and, asc, eq, like, type SQL, sql } from 'drizzle-orm';
import type { Principal } from '../auth/principal.js';
import { scopeFilter } from '../auth/principal.js';
import type { DbOrTx } from '../db/client.js';
import { perDb } from '../db/prepared.js';
import { conflict } from '../http/errors.js';
import { units } from '../units/tables.js';
import type { PayeeKind } from './schema.js';
import { payees } from './tables.js';

export type PayeeRow = typeof payees.$inferSelect;
/** A payee with its unit's path: what scope checks need. */
export type Payee = PayeeRow & { unitPath: string };

const payeeColumns = {
  id: payees.id,
  kind: payees.kind,
  name: payees.name,
  unitCode: payees.unitCode,
  bankBin: payees.bankBin,
  accountNumber: payees.accountNumber,
  accountName: payees.accountName,
  stallNo: payees.stallNo,
  virtualAccount: payees.virtualAccount,
  createdAt: payees.createdAt,
  unitPath: units.path,
};

export type NewPayee = {
  kind: PayeeKind;
  name: string;
  unitCode: string;
  bankBin: string;
  accountNumber: string;
  accountName: string;
  stallNo?: string;
  virtualAccount?: string;
};

export async function createPayee(db: DbOrTx, input: NewPayee, unitPath: string): Promise<Payee> {
  const [row] = await db
    .insert(payees)
    .values({ ...input, stallNo: input.stallNo ?? null, virtualAccount: input.virtualAccount ?? null })
    .onConflictDoNothing()
    .returning();
  if (!row) {
    throw conflict(
      'duplicate_account',
      'Another payee already receives on this bank account or virtual account',
    );
  }
  return { ...row, unitPath };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` can name a payee at all (anything else is unknown without asking the database). */
export const isPayeeId = (id: string) => UUID.test(id);

const payeesByIds = perDb((db) =>
  db
    .select(payeeColumns)
    .from(payees)
    .innerJoin(units, eq(units.code, payees.unitCode))
    // One text parameter (the ids joined by commas), so the statement is prepared once for any number.
    .where(sql`${payees.id} = any(string_to_array(${sql.placeholder('ids')}, ',')::uuid[])`)
    .prepare('payees_by_id'),
);

/** The payees among `ids` (valid UUIDs), in no particular order; see src/payees/loader.ts. */
export async function getPayees(db: DbOrTx, ids: string[]): Promise<Payee[]> {
  return ids.length === 0 ? [] : payeesByIds(db).execute({ ids: ids.join(',') });
}

export async function getPayee(db: DbOrTx, id: string): Promise<Payee | undefined> {
  if (!isPayeeId(id)) return undefined;
  const [row] = await getPayees(db, [id]);
  return row;
}

/** The payee that receives on this account (or virtual account): how a credit without a reference finds its stall. */
export async function findPayeeByAccount(
  db: DbOrTx,
  account: string,
  bankBin?: string,
): Promise<Payee | undefined> {
  const byAccount = bankBin
    ? and(eq(payees.accountNumber, account), eq(payees.bankBin, bankBin))
    : eq(payees.accountNumber, account);
  const rows = await db
    .select(payeeColumns)
    .from(payees)
    .innerJoin(units, eq(units.code, payees.unitCode))
    .where(byAccount)
    .limit(2);
  if (rows.length === 1) return rows[0];
  if (rows.length > 1) return undefined; // the same number at two banks: not ours to guess
  const [virtual] = await db
    .select(payeeColumns)
    .from(payees)
    .innerJoin(units, eq(units.code, payees.unitCode))
    .where(eq(payees.virtualAccount, account));
  return virtual;
}

export type PayeeFilter = { unitPath?: string; kind?: PayeeKind; limit: number; offset: number };

export async function listPayees(db: DbOrTx, principal: Principal, filter: PayeeFilter): Promise<Payee[]> {
  const conditions: (SQL | undefined)[] = [
    scopeFilter(principal, { unitPath: units.path, payeeId: payees.id }),
    filter.unitPath ? like(units.path, `${filter.unitPath}%`) : undefined,
    filter.kind ? eq(payees.kind, filter.kind) : undefined,
  ];
  return db
    .select(payeeColumns)
    .from(payees)
    .innerJoin(units, eq(units.code, payees.unitCode))
    .where(and(...conditions))
    .orderBy(asc(payees.unitCode), asc(payees.stallNo), asc(payees.name))
    .limit(filter.limit)
    .offset(filter.offset);
}
