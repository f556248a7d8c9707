/**
 * Issuing payment requests: one at a time over the API, or a whole fee list (JSON items, a CSV upload,
 * the `import:fees` CLI) through the same `importFees`, so every path checks and stores rows alike.
 */
import { eq, inArray } from 'drizzle-orm';
import { recordAudit } from '../audit/store.js';
import { assertVisible, canSee, type Principal } from '../auth/principal.js';
import type { DbOrTx } from '../db/client.js';
import { badRequest, conflict, invalid } from '../http/errors.js';
import type { PayeeLoader } from '../payees/loader.js';
import { scopeOfPayee } from '../payees/routes.js';
import { getPayee, type Payee } from '../payees/store.js';
import { households, units } from '../units/tables.js';
import { foldVietnamese } from '../vietqr/fold.js';
import { encodeVietQr } from '../vietqr/payload.js';
import type { ParsedFeeCsv } from './csv.js';
import { qrPurpose } from './purpose.js';
import type { RequestInserter } from './request-inserter.js';
import { csvRowToItem, type FeeDefaults, type RowError, type ValidFee, validateFeeItem } from './rows.js';
import { cancellableStatuses } from './status.js';
import {
  createBatch,
  findByExternalIds,
  finishBatch,
  getPaymentRequest,
  getPaymentRequestForUpdate,
  INSERT_CHUNK,
  insertedRequest,
  insertPaymentRequests,
  type NewPaymentRequest,
  type PaymentRequest,
  type StoredByExternalId,
  setPaymentRequestStatus,
} from './store.js';

/** Who is issuing: the key's principal decides scope; `actor` goes into the status history. */
export type Issuer = { principal: Principal; actor: string };

/**
 * The payee a key may issue for: its own (a payee key may leave `payeeId` out), or one in a staff key's
 * subtree. A payee out of scope reads as unknown, so a key cannot probe what exists elsewhere.
 */
export async function resolvePayee(
  db: DbOrTx,
  principal: Principal,
  payeeId: string | undefined,
  /** Reads the payee with others asked for at the same moment (outside a transaction). */
  loader?: PayeeLoader,
): Promise<Payee> {
  const id = payeeId ?? (principal.role === 'payee' ? principal.payeeId : undefined);
  if (!id) {
    throw badRequest('validation_failed', 'Request is not valid', [
      { path: 'payeeId', message: 'Required (only a payee key may leave it out)', code: 'invalid_type' },
    ]);
  }
  const payee = loader ? await loader.load(id) : await getPayee(db, id);
  if (!payee || !canSee(principal, scopeOfPayee(payee)))
    throw invalid('unknown_payee', `Payee ${id} not found`);
  return payee;
}

type HouseholdRef = { code: string; unitCode: string; unitPath: string };

/** The commune a unit belongs to (its nearest commune ancestor, itself included), as a path prefix. */
async function communePathOf(db: DbOrTx, unitPath: string): Promise<string> {
  const codes = unitPath.split('/').filter(Boolean);
  const rows = await db
    .select({ path: units.path, level: units.level })
    .from(units)
    .where(inArray(units.code, codes));
  const communes = rows.filter((u) => u.level === 'commune').sort((a, b) => b.path.length - a.path.length);
  return communes[0]?.path ?? unitPath;
}

/**
 * The households among `codes` that this issuer may name: admin any, staff those in their subtree, a
 * payee key those of its own commune (a vendor or school knows its neighbours, not the province).
 */
export async function visibleHouseholds(
  db: DbOrTx,
  principal: Principal,
  payee: Payee,
  codes: string[],
): Promise<Map<string, HouseholdRef>> {
  const out = new Map<string, HouseholdRef>();
  const unique = [...new Set(codes)];
  if (unique.length === 0) return out;
  const prefix =
    principal.role === 'admin'
      ? '/'
      : principal.role === 'staff'
        ? (principal.unitPath ?? '\u0000')
        : await communePathOf(db, payee.unitPath);
  for (let i = 0; i < unique.length; i += INSERT_CHUNK) {
    const rows = await db
      .select({ code: households.code, unitCode: households.unitCode, unitPath: units.path })
      .from(households)
      .innerJoin(units, eq(units.code, households.unitCode))
      .where(inArray(households.code, unique.slice(i, i + INSERT_CHUNK)));
    for (const r of rows) if (r.unitPath.startsWith(prefix)) out.set(r.code, r);
  }
  return out;
}

export type PreparedFee =
  | { kind: 'error'; error: RowError }
  | { kind: 'exists'; id: string; reference: string; batchId: string | null }
  | { kind: 'new'; request: NewPaymentRequest };

/** The VietQR payload of a request: the payee's account, the amount, the reference first in the purpose. */
export function requestPayload(
  payee: Pick<Payee, 'bankBin' | 'accountNumber'>,
  fee: { amount: number; purpose: string | null },
) {
  return (reference: string) =>
    encodeVietQr({
      bin: payee.bankBin,
      account: payee.accountNumber,
      amount: fee.amount,
      purpose: qrPurpose(reference, fee.purpose),
    });
}

/** The database checks for fees already valid on their own: households, external ids (stored and repeated). */
export async function prepareFees(
  db: DbOrTx,
  issuer: Issuer,
  payee: Payee,
  fees: Checked[],
  batchId: string | null,
  options: { lookupStored?: boolean } = {},
): Promise<PreparedFee[]> {
  const valid = fees.filter((f): f is { ok: true; value: ValidFee } => f.ok).map((f) => f.value);
  const householdsByCode = await visibleHouseholds(
    db,
    issuer.principal,
    payee,
    valid.flatMap((f) => (f.householdCode ? [f.householdCode] : [])),
  );
  const stored =
    options.lookupStored === false
      ? new Map<string, StoredByExternalId>()
      : await findByExternalIds(
          db,
          payee.id,
          valid.flatMap((f) => (f.externalId ? [f.externalId] : [])),
        );
  const seenExternal = new Set<string>();
  return fees.map((checked): PreparedFee => {
    if (!checked.ok) return { kind: 'error', error: checked.error };
    const fee = checked.value;
    let unitCode = payee.unitCode;
    if (fee.householdCode) {
      const household = householdsByCode.get(fee.householdCode);
      if (!household) {
        return {
          kind: 'error',
          error: {
            code: 'unknown_household',
            message: `Household ${fee.householdCode} not found`,
            field: 'householdCode',
          },
        };
      }
      unitCode = household.unitCode;
    }
    if (fee.externalId) {
      const existing = stored.get(fee.externalId);
      if (existing) {
        if (existing.amount === fee.amount && existing.category === fee.category) {
          return {
            kind: 'exists',
            id: existing.id,
            reference: existing.reference,
            batchId: existing.batchId,
          };
        }
        return {
          kind: 'error',
          error: {
            code: 'external_id_conflict',
            message: `externalId ${fee.externalId} is already used by request ${existing.reference} (${existing.amount} VND, ${existing.category})`,
            field: 'externalId',
          },
        };
      }
      if (seenExternal.has(fee.externalId)) {
        return {
          kind: 'error',
          error: {
            code: 'duplicate_external_id',
            message: `externalId ${fee.externalId} appears twice in this batch`,
            field: 'externalId',
          },
        };
      }
      seenExternal.add(fee.externalId);
    }
    return {
      kind: 'new',
      request: {
        payeeId: payee.id,
        unitCode,
        amount: fee.amount,
        category: fee.category,
        purpose: fee.purpose,
        payerRef: fee.payerRef,
        payerName: fee.payerName,
        payerGroup: fee.payerGroup,
        householdCode: fee.householdCode,
        externalId: fee.externalId,
        batchId,
        expiresAt: fee.expiresAt,
        createdBy: issuer.actor,
        payloadFor: requestPayload(payee, fee),
      },
    };
  });
}

type Checked = { ok: true; value: ValidFee } | { ok: false; error: RowError };

const SINGLE_ERROR_STATUS: Record<string, 409 | 422> = {
  external_id_conflict: 409,
};

/**
 * One request (POST /v1/payment-requests). Sending it again with the same `externalId` returns the
 * stored one (`created: false`) rather than a second bill; the same `externalId` with another amount or
 * category is a conflict.
 *
 * Two round trips: the payee, then one INSERT statement (request and its creation event; atomic on its
 * own, so no BEGIN/COMMIT). Outside a transaction both are shared with the other requests being issued
 * at that moment (`shared`). A stored `externalId` is found by that INSERT's unique index rather than by
 * a lookup first, and the answer is built from what was inserted rather than read back.
 */
export async function createPaymentRequest(
  db: DbOrTx,
  issuer: Issuer,
  input: { payeeId?: string } & Record<string, unknown>,
  now: Date,
  shared: { inserter?: RequestInserter; payees?: PayeeLoader } = {},
): Promise<{ request: PaymentRequest; created: boolean }> {
  const { inserter, payees } = shared;
  const { payeeId, ...item } = input;
  const payee = await resolvePayee(db, issuer.principal, payeeId, payees);
  const checked = validateFeeItem(item, {}, now);
  const [prepared] = await prepareFees(db, issuer, payee, [checked], null, { lookupStored: false });
  if (prepared!.kind === 'error') throw singleError(prepared!.error);
  if (prepared!.kind === 'exists')
    return { request: (await getPaymentRequest(db, prepared!.id))!, created: false };
  const row = prepared!.request;
  const event = { actor: issuer.actor, source: 'create' };
  const outcome = inserter
    ? await inserter.insert(row, event)
    : (await insertPaymentRequests(db, [row], event))[0];
  if (outcome!.kind === 'created') return { request: insertedRequest(row, outcome!, payee), created: true };
  const stored = outcome!;
  if (stored.amount !== row.amount || stored.category !== row.category) {
    throw singleError({
      code: 'external_id_conflict',
      message: `externalId ${row.externalId} is already used by request ${stored.reference} (${stored.amount} VND, ${stored.category})`,
      field: 'externalId',
    });
  }
  return { request: (await getPaymentRequest(db, stored.id))!, created: false };
}

function singleError(e: RowError) {
  const status = SINGLE_ERROR_STATUS[e.code] ?? 422;
  return status === 409
    ? conflict(e.code, e.message)
    : invalid(e.code, e.message, e.field ? { field: e.field } : undefined);
}

export type RowResult = {
  row: number;
  status: 'created' | 'exists' | 'error';
  id?: string;
  reference?: string;
  batchId?: string;
  error?: RowError;
};

export type BatchResult = {
  batchId: string;
  payeeId: string;
  rows: number;
  created: number;
  existing: number;
  failed: number;
  columns?: Record<string, string>;
  ignoredColumns?: string[];
  results: RowResult[];
};

export type FeeSource = { kind: 'json'; items: unknown[] } | { kind: 'csv'; parsed: ParsedFeeCsv };

/**
 * A fee list: every row checked on its own (a bad row is reported with its row number and stops
 * nothing), then the good ones stored in multi-row INSERTs of INSERT_CHUNK rows inside one transaction,
 * with `onProgress(done, total)` after each chunk. Rows whose `externalId` is already stored for the
 * payee come back as `exists`, so sending a list twice creates nothing twice.
 */
export async function importFees(
  db: DbOrTx,
  issuer: Issuer,
  input: {
    payeeId?: string;
    source: FeeSource;
    defaults: FeeDefaults;
    origin: 'json' | 'csv' | 'cli';
    now: Date;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<BatchResult> {
  const payee = await resolvePayee(db, issuer.principal, input.payeeId);
  const { source, defaults, now } = input;
  const rows: { row: number; checked: Checked }[] =
    source.kind === 'json'
      ? source.items.map((item, i) => ({ row: i + 1, checked: validateFeeItem(item, defaults, now) }))
      : source.parsed.rows.map((r) => {
          const item = csvRowToItem(r, (s) =>
            foldVietnamese(s)
              .toLowerCase()
              .replace(/[^a-z0-9]/g, ''),
          );
          return { row: r.row, checked: item.ok ? validateFeeItem(item.value, defaults, now) : item };
        });

  return db.transaction(async (tx) => {
    const batch = await createBatch(tx, {
      payeeId: payee.id,
      source: input.origin,
      rows: rows.length,
      createdBy: issuer.actor,
    });
    const prepared = await prepareFees(
      tx,
      issuer,
      payee,
      rows.map((r) => r.checked),
      batch.id,
    );
    const results: RowResult[] = rows.map(({ row }, i) => {
      const p = prepared[i]!;
      if (p.kind === 'error') return { row, status: 'error', error: p.error };
      if (p.kind === 'exists') {
        return {
          row,
          status: 'exists',
          id: p.id,
          reference: p.reference,
          ...(p.batchId ? { batchId: p.batchId } : {}),
        };
      }
      return { row, status: 'created' };
    });
    const toInsert = prepared.flatMap((p, i) => (p.kind === 'new' ? [{ i, request: p.request }] : []));
    input.onProgress?.(0, toInsert.length);
    for (let start = 0; start < toInsert.length; start += INSERT_CHUNK) {
      const chunk = toInsert.slice(start, start + INSERT_CHUNK);
      const outcomes = await insertPaymentRequests(
        tx,
        chunk.map((c) => c.request),
        { actor: issuer.actor, source: `batch:${batch.id}` },
      );
      for (const [j, o] of outcomes.entries()) {
        const r = results[chunk[j]!.i]!;
        r.id = o.id;
        r.reference = o.reference;
        if (o.kind === 'exists') {
          r.status = 'exists';
          if (o.batchId) r.batchId = o.batchId;
        }
      }
      input.onProgress?.(Math.min(start + INSERT_CHUNK, toInsert.length), toInsert.length);
    }
    const count = (s: RowResult['status']) => results.filter((r) => r.status === s).length;
    const counts = { created: count('created'), existing: count('exists'), failed: count('error') };
    await finishBatch(tx, batch.id, counts);
    return {
      batchId: batch.id,
      payeeId: payee.id,
      rows: rows.length,
      ...counts,
      ...(source.kind === 'csv'
        ? {
            columns: source.parsed.columns as Record<string, string>,
            ignoredColumns: source.parsed.ignoredColumns,
          }
        : {}),
      results,
    };
  });
}

/**
 * Cancels a request nothing has been paid on (open, or expired). Cancelling a cancelled request again
 * changes nothing and answers the same; one with money on it is refused (409 cannot_cancel): that
 * money has to be refunded or kept, a person's decision, not a side effect.
 */
export async function cancelPaymentRequest(
  db: DbOrTx,
  issuer: Issuer,
  id: string,
  reason: string | undefined,
): Promise<PaymentRequest> {
  const seen = await getPaymentRequest(db, id);
  const visible = assertVisible(issuer.principal, 'Payment request', seen);
  return db.transaction(async (tx) => {
    const request = (await getPaymentRequestForUpdate(tx, visible.id))!;
    if (request.status === 'cancelled') return request;
    if (!cancellableStatuses.has(request.status)) {
      throw conflict(
        'cannot_cancel',
        `Payment request ${request.reference} is ${request.status}: money has been paid on it`,
        {
          status: request.status,
          paidAmount: request.paidAmount,
        },
      );
    }
    const cancelled = await setPaymentRequestStatus(tx, request, 'cancelled', {
      actor: issuer.actor,
      source: 'cancel',
      details: reason ? { reason } : undefined,
    });
    await recordAudit(tx, {
      actor: issuer.actor,
      action: 'payment_request.cancel',
      subjectType: 'payment_request',
      subjectId: request.id,
      details: { reference: request.reference, from: request.status, reason: reason ?? null },
    });
    return cancelled;
  });
}
