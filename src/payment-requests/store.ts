/**
 * Payment requests in the database. Other features use these functions (never the tables):
 * reconciliation finds a request by its reference and pays it with `applyPaymentToRequest` inside its
 * own transaction; cash payments do the same.
 */
import { and, asc, desc, eq, getTableColumns, gte, inArray, lt, type SQL, sql } from 'drizzle-orm';
import { type Principal, scopeFilter } from '../auth/principal.js';
import { type Db, type DbOrTx, queryRows, type Tx } from '../db/client.js';
import { perDb } from '../db/prepared.js';
import { payees } from '../payees/tables.js';
import { units } from '../units/tables.js';
import { referenceCodes } from '../vietqr/reference-code.js';
import { deriveStatus, type PaymentRequestStatus } from './status.js';
import { paymentRequestBatches, paymentRequestEvents, paymentRequests } from './tables.js';

export type { PaymentRequestStatus } from './status.js';

/**
 * A transaction as `db.transaction(async (tx) => …)` hands it over, or as `Tx` from db/client.ts
 * (whose relational-schema parameter differs): functions that must run inside one accept either.
 */
export type InTx = Tx | Parameters<Parameters<Db['transaction']>[0]>[0];

type Row = typeof paymentRequests.$inferSelect;

export type PaymentRequest = Omit<Row, 'status'> & {
  status: PaymentRequestStatus;
  /**
   * The path of the payee's unit: the request's scope. Staff see the requests of payees in their
   * subtree (a school's bills stay with the school's commune even when a pupil's household lives in the
   * next one); `unitCode` is where its payments count.
   */
  unitPath: string;
  payeeKind: string;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

const requestColumns = { ...getTableColumns(paymentRequests), unitPath: units.path, payeeKind: payees.kind };

const selectRequests = (db: DbOrTx) =>
  db
    .select(requestColumns)
    .from(paymentRequests)
    .innerJoin(payees, eq(payees.id, paymentRequests.payeeId))
    .innerJoin(units, eq(units.code, payees.unitCode));

const toRequest = (r: Row & { unitPath: string; payeeKind: string }): PaymentRequest => ({
  ...r,
  status: r.status as PaymentRequestStatus,
});

const requestById = perDb((db) =>
  selectRequests(db)
    .where(eq(paymentRequests.id, sql.placeholder('id')))
    .prepare('payment_request_by_id'),
);

export async function getPaymentRequest(db: DbOrTx, id: string): Promise<PaymentRequest | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await requestById(db).execute({ id });
  return row && toRequest(row);
}

/** What a request's QR image needs: its payload, whether it can still be paid, and its scope. */
export type RequestQrSource = {
  reference: string;
  payload: string;
  status: PaymentRequestStatus;
  payeeId: string;
  unitPath: string;
};

const qrSourceById = perDb((db) =>
  db
    .select({
      reference: paymentRequests.reference,
      payload: paymentRequests.payload,
      status: paymentRequests.status,
      payeeId: paymentRequests.payeeId,
      unitPath: units.path,
    })
    .from(paymentRequests)
    .innerJoin(payees, eq(payees.id, paymentRequests.payeeId))
    .innerJoin(units, eq(units.code, payees.unitCode))
    .where(eq(paymentRequests.id, sql.placeholder('id')))
    .prepare('payment_request_qr_source'),
);

/** The few columns a QR image is served from, read fresh (a cancelled bill's code must stop showing). */
export async function getRequestQrSource(db: DbOrTx, id: string): Promise<RequestQrSource | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await qrSourceById(db).execute({ id });
  return row && { ...row, status: row.status as PaymentRequestStatus };
}

export async function findPaymentRequestByReference(
  db: DbOrTx,
  reference: string,
): Promise<PaymentRequest | undefined> {
  const [row] = await selectRequests(db).where(eq(paymentRequests.reference, reference));
  return row && toRequest(row);
}

export type StatusEvent = {
  paymentRequestId: string;
  fromStatus: PaymentRequestStatus | null;
  toStatus: PaymentRequestStatus;
  actor: string;
  source: string;
  paidAmount: number;
  details?: unknown;
};

export async function recordStatusEvents(db: DbOrTx, events: StatusEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.insert(paymentRequestEvents).values(events.map((e) => ({ ...e, details: e.details ?? null })));
}

/** The request's status history, oldest first. */
export async function listStatusEvents(db: DbOrTx, paymentRequestId: string) {
  return db
    .select()
    .from(paymentRequestEvents)
    .where(eq(paymentRequestEvents.paymentRequestId, paymentRequestId))
    .orderBy(asc(paymentRequestEvents.id));
}

async function lockRequest(tx: InTx, id: string) {
  const [row] = await tx
    .select({
      status: paymentRequests.status,
      amount: paymentRequests.amount,
      paidAmount: paymentRequests.paidAmount,
    })
    .from(paymentRequests)
    .where(eq(paymentRequests.id, id))
    .for('update');
  return row && { ...row, status: row.status as PaymentRequestStatus };
}

/**
 * Locks the request row (SELECT … FOR UPDATE), adds `amount` (negative to undo) to paid_amount, derives
 * the new status (open/partially_paid/paid/overpaid; expired and cancelled stay as they are — the caller
 * flags refunds), records a status-history event with `actor` and `source` ('transaction:<id>',
 * 'cash:<id>') when the status changes, and returns before/after. Must run inside the caller's
 * transaction, so the payment and its effect on the request commit together.
 */
export async function applyPaymentToRequest(
  tx: InTx,
  input: { paymentRequestId: string; amount: number; actor: string; source: string },
): Promise<{ before: PaymentRequestStatus; after: PaymentRequestStatus; request: PaymentRequest }> {
  if (!Number.isSafeInteger(input.amount)) {
    throw new Error(`applyPaymentToRequest: amount must be a whole number of VND, got ${input.amount}`);
  }
  const locked = await lockRequest(tx, input.paymentRequestId);
  if (!locked) throw new Error(`applyPaymentToRequest: no payment request ${input.paymentRequestId}`);
  const paidAmount = locked.paidAmount + input.amount;
  if (paidAmount < 0) {
    throw new Error(
      `applyPaymentToRequest: undoing ${-input.amount} VND would leave request ${input.paymentRequestId} at ${paidAmount} VND paid`,
    );
  }
  const before = locked.status;
  const after = deriveStatus(before, locked.amount, paidAmount);
  await tx
    .update(paymentRequests)
    .set({ paidAmount, status: after, updatedAt: sql`now()` })
    .where(eq(paymentRequests.id, input.paymentRequestId));
  if (after !== before) {
    await recordStatusEvents(tx, [
      {
        paymentRequestId: input.paymentRequestId,
        fromStatus: before,
        toStatus: after,
        actor: input.actor,
        source: input.source,
        paidAmount,
      },
    ]);
  }
  const request = (await getPaymentRequest(tx, input.paymentRequestId))!;
  return { before, after, request };
}

/** A request as the matcher decides by it, with its payee's kind and unit path. */
export type RequestForMatching = {
  id: string;
  reference: string;
  payeeId: string;
  unitCode: string;
  unitPath: string;
  payeeKind: string;
  amount: number;
  paidAmount: number;
  status: PaymentRequestStatus;
  category: string;
  payerRef: string | null;
  payerName: string | null;
  payerGroup: string | null;
  householdCode: string | null;
};

/**
 * The requests these reference codes name, locked for update in id order (the order every writer of
 * many requests takes their locks in), for a batch of payments computed in memory and written with
 * `writeRequestPayments`.
 */
export async function lockRequestsByReferences(
  tx: DbOrTx,
  references: string[],
): Promise<RequestForMatching[]> {
  if (references.length === 0) return [];
  const rows = await queryRows<RequestForMatching>(
    tx,
    sql`select r.id::text as "id", r.reference as "reference", r.payee_id::text as "payeeId",
          r.unit_code as "unitCode", u.path as "unitPath", p.kind as "payeeKind", r.amount::int8 as "amount",
          r.paid_amount::int8 as "paidAmount", r.status as "status", r.category as "category",
          r.payer_ref as "payerRef", r.payer_name as "payerName", r.payer_group as "payerGroup",
          r.household_code as "householdCode"
        from payment_requests r
        join payees p on p.id = r.payee_id
        join units u on u.code = p.unit_code
        where r.reference in (select jsonb_array_elements_text(${JSON.stringify(references)}::jsonb))
        order by r.id for update of r`,
  );
  return rows.map((r) => ({ ...r, amount: Number(r.amount), paidAmount: Number(r.paidAmount) }));
}

export type RequestPaymentWrite = { id: string; paidAmount: number; status: PaymentRequestStatus };

/**
 * Writes payments computed on requests locked by `lockRequestsByReferences` — each request's new paid
 * amount and status in one statement, then the status events in the order given: what
 * `applyPaymentToRequest` writes, for a batch.
 */
export async function writeRequestPayments(
  tx: DbOrTx,
  writes: RequestPaymentWrite[],
  events: StatusEvent[],
): Promise<void> {
  if (writes.length > 0) {
    // The rows are locked already (lockRequestsByReferences), so the order of the writes does not matter.
    await tx.execute(
      sql`update payment_requests r set paid_amount = w."paidAmount", status = w.status, updated_at = now()
          from jsonb_to_recordset(${JSON.stringify(writes)}::jsonb) as w(id uuid, "paidAmount" bigint, status text)
          where r.id = w.id`,
    );
  }
  await recordStatusEvents(tx, events);
}

/** Locks a request for a decision that depends on its status (cash, cancel): read it again under the lock. */
export async function getPaymentRequestForUpdate(tx: InTx, id: string): Promise<PaymentRequest | undefined> {
  if (!isUuid(id)) return undefined;
  if (!(await lockRequest(tx, id))) return undefined;
  return getPaymentRequest(tx, id);
}

/** Sets a new status by hand or by a job (cancel), with its history event. The caller holds the lock. */
export async function setPaymentRequestStatus(
  tx: InTx,
  request: PaymentRequest,
  to: PaymentRequestStatus,
  event: { actor: string; source: string; details?: unknown },
): Promise<PaymentRequest> {
  await tx
    .update(paymentRequests)
    .set({ status: to, updatedAt: sql`now()` })
    .where(eq(paymentRequests.id, request.id));
  await recordStatusEvents(tx, [
    {
      paymentRequestId: request.id,
      fromStatus: request.status,
      toStatus: to,
      paidAmount: request.paidAmount,
      ...event,
    },
  ]);
  return (await getPaymentRequest(tx, request.id))!;
}

// ---------------------------------------------------------------------------------------------
// Creating, many at a time

/** A request to store; its reference (and the payload that carries it) is chosen at insert time. */
export type NewPaymentRequest = {
  payeeId: string;
  unitCode: string;
  amount: number;
  category: string;
  purpose: string | null;
  payerRef: string | null;
  payerName: string | null;
  payerGroup: string | null;
  householdCode: string | null;
  externalId: string | null;
  batchId: string | null;
  expiresAt: Date | null;
  createdBy: string;
  payloadFor(reference: string): string;
};

export type InsertOutcome =
  | { kind: 'created'; id: string; reference: string; payload: string; createdAt: Date; updatedAt: Date }
  /** Another request with this externalId is stored (a resend, or a concurrent one). */
  | {
      kind: 'exists';
      id: string;
      reference: string;
      batchId: string | null;
      amount: number;
      category: string;
    };

/** The request as stored by `insertPaymentRequests`, without reading it back. */
export function insertedRequest(
  row: NewPaymentRequest,
  created: Extract<InsertOutcome, { kind: 'created' }>,
  payee: { unitPath: string; kind: string },
): PaymentRequest {
  return {
    id: created.id,
    payeeId: row.payeeId,
    unitCode: row.unitCode,
    reference: created.reference,
    amount: row.amount,
    paidAmount: 0,
    category: row.category,
    purpose: row.purpose,
    payerRef: row.payerRef,
    payerName: row.payerName,
    payerGroup: row.payerGroup,
    householdCode: row.householdCode,
    externalId: row.externalId,
    batchId: row.batchId,
    payload: created.payload,
    status: 'open',
    expiresAt: row.expiresAt,
    createdBy: row.createdBy,
    createdAt: created.createdAt,
    updatedAt: created.updatedAt,
    unitPath: payee.unitPath,
    payeeKind: payee.kind,
  };
}

/** A timestamptz from raw SQL: postgres.js under drizzle hands over its text, PGlite a Date. */
const toDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));

/** Rows per INSERT: one JSON parameter per chunk, so the size is about memory, not parameter limits. */
export const INSERT_CHUNK = 1000;
const REFERENCE_ATTEMPTS = 5;

/**
 * Inserts requests as multi-row INSERTs (one round trip per INSERT_CHUNK rows, not per row), each with
 * a fresh reference code and its creation event in the same statement. The rows travel as one JSON
 * parameter read by `jsonb_to_recordset`: the server parses it, and building the statement does not
 * grow with the row count. A reference that collides with a stored one (the unique index says so;
 * ~1 in 3·10^10 per pair) gets a new code and is tried again. Returns one outcome per row, in order.
 */
export async function insertPaymentRequests(
  tx: DbOrTx,
  rows: NewPaymentRequest[],
  /** The creation event's actor and source: one for all rows, or one per row (requests batched together). */
  event: { actor: string; source: string } | { actor: string; source: string }[],
): Promise<InsertOutcome[]> {
  const eventOf = (i: number) => (Array.isArray(event) ? event[i]! : event);
  const outcomes: InsertOutcome[] = new Array(rows.length);
  let pending = rows.map((_, i) => i);
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt === REFERENCE_ATTEMPTS) throw new Error('could not find free reference codes');
    const byReference = new Map<string, number>();
    const payloads = new Map<string, string>();
    const nextReference = referenceCodes(pending.length);
    const records = pending.map((i) => {
      let reference = nextReference();
      while (byReference.has(reference)) reference = nextReference();
      byReference.set(reference, i);
      const r = rows[i]!;
      const payload = r.payloadFor(reference);
      payloads.set(reference, payload);
      return {
        payee_id: r.payeeId,
        unit_code: r.unitCode,
        reference,
        amount: r.amount,
        category: r.category,
        purpose: r.purpose,
        payer_ref: r.payerRef,
        payer_name: r.payerName,
        payer_group: r.payerGroup,
        household_code: r.householdCode,
        external_id: r.externalId,
        batch_id: r.batchId,
        payload,
        expires_at: r.expiresAt?.toISOString() ?? null,
        created_by: r.createdBy,
        event_actor: eventOf(i).actor,
        event_source: eventOf(i).source,
      };
    });
    const inserted = await queryRows<{
      id: string;
      reference: string;
      created_at: Date | string;
      updated_at: Date | string;
    }>(
      tx,
      sql`with input as (
            select * from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as x(
              payee_id uuid, unit_code text, reference text, amount bigint, category text, purpose text,
              payer_ref text, payer_name text, payer_group text, household_code text, external_id text,
              batch_id uuid, payload text, expires_at timestamptz, created_by text, event_actor text,
              event_source text)
          ), created as (
            insert into payment_requests (payee_id, unit_code, reference, amount, paid_amount, category, purpose,
              payer_ref, payer_name, payer_group, household_code, external_id, batch_id, payload, status,
              expires_at, created_by)
            select payee_id, unit_code, reference, amount, 0, category, purpose, payer_ref, payer_name,
              payer_group, household_code, external_id, batch_id, payload, 'open', expires_at, created_by
              from input
            on conflict do nothing
            returning id, reference, created_at, updated_at
          ), events as (
            insert into payment_request_events (payment_request_id, from_status, to_status, actor, source, paid_amount)
            select c.id, null, 'open', i.event_actor, i.event_source, 0
              from created c join input i on i.reference = c.reference
          )
          select id::text as id, reference, created_at, updated_at from created`,
    );
    for (const r of inserted) {
      const i = byReference.get(r.reference)!;
      outcomes[i] = {
        kind: 'created',
        id: r.id,
        reference: r.reference,
        payload: payloads.get(r.reference)!,
        createdAt: toDate(r.created_at),
        updatedAt: toDate(r.updated_at),
      };
    }
    const missed = pending.filter((i) => outcomes[i] === undefined);
    const withExternal = missed.filter((i) => rows[i]!.externalId !== null);
    // Requests batched together may be for different payees; externalIds are unique per payee.
    const byPayee = new Map<string, number[]>();
    for (const i of withExternal) {
      const list = byPayee.get(rows[i]!.payeeId);
      if (list) list.push(i);
      else byPayee.set(rows[i]!.payeeId, [i]);
    }
    for (const [payeeId, indexes] of byPayee) {
      const found = await findByExternalIds(
        tx,
        payeeId,
        indexes.map((i) => rows[i]!.externalId!),
      );
      for (const i of indexes) {
        const f = found.get(rows[i]!.externalId!);
        if (f)
          outcomes[i] = {
            kind: 'exists',
            id: f.id,
            reference: f.reference,
            batchId: f.batchId,
            amount: f.amount,
            category: f.category,
          };
      }
    }
    pending = missed.filter((i) => outcomes[i] === undefined);
  }
  return outcomes;
}

export type StoredByExternalId = {
  id: string;
  reference: string;
  externalId: string;
  amount: number;
  category: string;
  batchId: string | null;
};

/** Stored requests of a payee by the client's external ids (looked up in chunks). */
export async function findByExternalIds(
  db: DbOrTx,
  payeeId: string,
  externalIds: string[],
): Promise<Map<string, StoredByExternalId>> {
  const out = new Map<string, StoredByExternalId>();
  for (let i = 0; i < externalIds.length; i += INSERT_CHUNK) {
    const rows = await db
      .select({
        id: paymentRequests.id,
        reference: paymentRequests.reference,
        externalId: paymentRequests.externalId,
        amount: paymentRequests.amount,
        category: paymentRequests.category,
        batchId: paymentRequests.batchId,
      })
      .from(paymentRequests)
      .where(
        and(
          eq(paymentRequests.payeeId, payeeId),
          inArray(paymentRequests.externalId, externalIds.slice(i, i + INSERT_CHUNK)),
        ),
      );
    for (const r of rows) out.set(r.externalId!, { ...r, externalId: r.externalId! });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Batches

export type Batch = typeof paymentRequestBatches.$inferSelect;

export async function createBatch(
  db: DbOrTx,
  input: { payeeId: string; source: string; rows: number; createdBy: string },
): Promise<Batch> {
  const [row] = await db
    .insert(paymentRequestBatches)
    .values({ ...input, created: 0, existing: 0, failed: 0 })
    .returning();
  return row!;
}

export async function finishBatch(
  db: DbOrTx,
  id: string,
  counts: { created: number; existing: number; failed: number },
): Promise<void> {
  await db.update(paymentRequestBatches).set(counts).where(eq(paymentRequestBatches.id, id));
}

/** A batch with its payee's unit path, for scope checks. */
export async function getBatch(db: DbOrTx, id: string) {
  if (!isUuid(id)) return undefined;
  const [row] = await db
    .select({ ...getTableColumns(paymentRequestBatches), unitPath: units.path })
    .from(paymentRequestBatches)
    .innerJoin(payees, eq(payees.id, paymentRequestBatches.payeeId))
    .innerJoin(units, eq(units.code, payees.unitCode))
    .where(eq(paymentRequestBatches.id, id));
  return row;
}

/** The requests created by a batch, in print order: by group (class), then name, then payer ref. */
export async function listBatchRequests(
  db: DbOrTx,
  batchId: string,
  filter: { payerGroup?: string; status?: PaymentRequestStatus[] } = {},
): Promise<PaymentRequest[]> {
  const rows = await selectRequests(db)
    .where(
      and(
        eq(paymentRequests.batchId, batchId),
        filter.payerGroup === undefined ? undefined : eq(paymentRequests.payerGroup, filter.payerGroup),
        filter.status?.length ? inArray(paymentRequests.status, filter.status) : undefined,
      ),
    )
    .orderBy(
      asc(paymentRequests.payerGroup),
      asc(paymentRequests.payerName),
      asc(paymentRequests.payerRef),
      asc(paymentRequests.reference),
    );
  return rows.map(toRequest);
}

// ---------------------------------------------------------------------------------------------
// Listing and summaries

export type PaymentRequestFilter = {
  payeeId?: string;
  status?: PaymentRequestStatus[];
  category?: string;
  payerGroup?: string;
  payerRef?: string;
  householdCode?: string;
  batchId?: string;
  /** Created at or after. */
  from?: Date;
  /** Created before. */
  to?: Date;
};

function filterConditions(principal: Principal, f: PaymentRequestFilter): (SQL | undefined)[] {
  return [
    scopeFilter(principal, { unitPath: units.path, payeeId: paymentRequests.payeeId }),
    f.payeeId === undefined ? undefined : eq(paymentRequests.payeeId, f.payeeId),
    f.status?.length ? inArray(paymentRequests.status, f.status) : undefined,
    f.category === undefined ? undefined : eq(paymentRequests.category, f.category),
    f.payerGroup === undefined ? undefined : eq(paymentRequests.payerGroup, f.payerGroup),
    f.payerRef === undefined ? undefined : eq(paymentRequests.payerRef, f.payerRef),
    f.householdCode === undefined ? undefined : eq(paymentRequests.householdCode, f.householdCode),
    f.batchId === undefined ? undefined : eq(paymentRequests.batchId, f.batchId),
    f.from === undefined ? undefined : gte(paymentRequests.createdAt, f.from),
    f.to === undefined ? undefined : lt(paymentRequests.createdAt, f.to),
  ];
}

export async function listPaymentRequests(
  db: DbOrTx,
  principal: Principal,
  filter: PaymentRequestFilter & { limit: number; offset: number },
): Promise<PaymentRequest[]> {
  const rows = await selectRequests(db)
    .where(and(...filterConditions(principal, filter)))
    .orderBy(
      desc(paymentRequests.createdAt),
      asc(paymentRequests.payerGroup),
      asc(paymentRequests.payerName),
      asc(paymentRequests.id),
    )
    .limit(filter.limit)
    .offset(filter.offset);
  return rows.map(toRequest);
}

export type SummaryGroupBy = 'payerGroup' | 'category' | 'status' | 'batchId';
export type Totals = { count: number; amount: number; paidAmount: number };
export type SummaryGroup = {
  key: string | null;
  total: Totals;
  byStatus: Partial<Record<PaymentRequestStatus, Totals>>;
};

const groupColumns = {
  payerGroup: paymentRequests.payerGroup,
  category: paymentRequests.category,
  status: paymentRequests.status,
  batchId: paymentRequests.batchId,
} as const;

/** Counts and amounts by status within each group (class, category, …): the bursar's "who has paid" sheet. */
export async function summarizePaymentRequests(
  db: DbOrTx,
  principal: Principal,
  filter: PaymentRequestFilter,
  groupBy: SummaryGroupBy,
): Promise<{ total: Totals; groups: SummaryGroup[] }> {
  const key = groupColumns[groupBy];
  const rows = await db
    .select({
      key: sql<string | null>`${key}::text`,
      status: paymentRequests.status,
      count: sql<number>`count(*)::int`,
      amount: sql<number>`coalesce(sum(${paymentRequests.amount}), 0)::bigint`,
      paidAmount: sql<number>`coalesce(sum(${paymentRequests.paidAmount}), 0)::bigint`,
    })
    .from(paymentRequests)
    .innerJoin(payees, eq(payees.id, paymentRequests.payeeId))
    .innerJoin(units, eq(units.code, payees.unitCode))
    .where(and(...filterConditions(principal, filter)))
    .groupBy(key, paymentRequests.status);
  const zero = (): Totals => ({ count: 0, amount: 0, paidAmount: 0 });
  const add = (t: Totals, r: Totals) => {
    t.count += Number(r.count);
    t.amount += Number(r.amount);
    t.paidAmount += Number(r.paidAmount);
  };
  const total = zero();
  const groups = new Map<string | null, SummaryGroup>();
  for (const r of rows) {
    let g = groups.get(r.key);
    if (!g) {
      g = { key: r.key, total: zero(), byStatus: {} };
      groups.set(r.key, g);
    }
    const status = r.status as PaymentRequestStatus;
    g.byStatus[status] ??= zero();
    add(g.byStatus[status]!, r);
    add(g.total, r);
    add(total, r);
  }
  const sorted = [...groups.values()].sort((a, b) =>
    a.key === b.key
      ? 0
      : a.key === null
        ? 1
        : b.key === null
          ? -1
          : a.key.localeCompare(b.key, 'vi', { numeric: true }),
  );
  return { total, groups: sorted };
}

// ---------------------------------------------------------------------------------------------
// Expiry

export const EXPIRE_ACTOR = 'job:expire';

/**
 * Marks up to `limit` open requests whose expiry has passed as expired, each with its history event, in
 * one statement. SKIP LOCKED lets two runs share the work (and steps around a request a payment holds
 * locked: it is looked at again next run); `status = 'open'` makes a second run a no-op.
 */
export async function expireDuePaymentRequests(db: DbOrTx, now: Date, limit: number): Promise<number> {
  const at = now.toISOString();
  const rows = await queryRows<{ id: string }>(
    db,
    sql`with due as (
          select id from payment_requests
           where status = 'open' and expires_at <= ${at}::timestamptz
           order by expires_at
           limit ${limit}
           for update skip locked
        ), expired as (
          update payment_requests r set status = 'expired', updated_at = ${at}::timestamptz
            from due where r.id = due.id and r.status = 'open'
          returning r.id, r.paid_amount
        )
        insert into payment_request_events (payment_request_id, from_status, to_status, actor, source, paid_amount)
        select id, 'open', 'expired', ${EXPIRE_ACTOR}, 'expire', paid_amount from expired
        returning payment_request_id as id`,
  );
  return rows.length;
}
