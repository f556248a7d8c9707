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

const payeeById = perDb((db) =>
  db
    .select(payeeColumns)
    .from(payees)
    .innerJoin(units, eq(units.code, payees.unitCode))
    .where(eq(payees.id, sql.placeholder('id')))
    .prepare('payee_by_id'),
);

export async function getPayee(db: DbOrTx, id: string): Promise<Payee | undefined> {
  if (!UUID.test(id)) return undefined;
  const [row] = await payeeById(db).execute({ id });
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
