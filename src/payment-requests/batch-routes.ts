import { createRoute, z } from '@hono/zod-openapi';
import { actorOf, assertVisible } from '../auth/principal.js';
import { AppError, badRequest, invalid } from '../http/errors.js';
import { bearerSecurity, errorResponses, iso, jsonContent } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { idempotency } from '../idempotency/middleware.js';
import { getPayee } from '../payees/store.js';
import { findBank } from '../vietqr/banks.js';
import type { QrImageCache } from '../vietqr/image-cache.js';
import { CsvError, parseFeeCsv } from './csv.js';
import { parseExpiry } from './dates.js';
import { renderBatchCsv } from './export-csv.js';
import { requestQrSvg } from './qr.js';
import {
  batchCsvQuery,
  batchJsonBody,
  batchResultSchema,
  feeItemSchema,
  type PaymentCategory,
} from './schema.js';
import { type BatchResult, importFees } from './service.js';
import { renderSlipsPage } from './slips.js';
import { type PaymentRequestStatus, paymentRequestStatuses } from './status.js';
import { getBatch, listBatchRequests } from './store.js';

const tags = ['Payment requests'];

/** Rows one HTTP upload may carry; larger lists go through `npm run import:fees`. */
export const MAX_BATCH_ROWS = 20_000;

export const batchLinks = (batchId: string) => ({
  slips: `/v1/payment-requests/batches/${batchId}/slips`,
  export: `/v1/payment-requests/batches/${batchId}/export.csv`,
});

/** A CSV the service cannot read at all: 400 for bytes that are not CSV text, 422 for a CSV without what we need. */
export function csvHttpError(err: CsvError): AppError {
  const status = err.code === 'invalid_encoding' || err.code === 'malformed_csv' ? 400 : 422;
  return new AppError(status, err.code, err.message, err.details);
}

const batchRoute = createRoute({
  method: 'post',
  path: '/payment-requests/batch',
  tags,
  summary: 'Issue many payment requests: JSON items or a CSV fee list',
  description: [
    'JSON `{ payeeId?, category?, expiresAt?, items: [PaymentRequestItem…] }`, or `text/csv` with a header row',
    '(UTF-8 with or without BOM; "," or ";"; Vietnamese headers such as "Mã học sinh, Họ và tên, Lớp, Số tiền,',
    'Nội dung, Hạn nộp" or English ones "payerRef, payerName, group, amount, purpose, expiresAt"; amounts as',
    '"1.500.000" or "1500000"); for CSV the payee, category and default expiry come in the query.',
    'Every row gets a result with its row number (CSV: the line, header = 1); a bad row does not stop the',
    'others. Sending the list again with the same `Idempotency-Key` replays the first answer; rows with an',
    '`externalId` already stored come back as `exists`.',
  ].join(' '),
  security: bearerSecurity,
  middleware: [idempotency()] as const,
  request: {
    query: batchCsvQuery,
    body: {
      required: false,
      content: {
        'application/json': { schema: batchJsonBody },
        'text/csv': {
          schema: z
            .string()
            .openapi({ example: 'Mã học sinh;Họ và tên;Lớp;Số tiền\nHS001;Nguyễn An;6A;1.500.000' }),
        },
      },
    },
  },
  responses: { 201: jsonContent(batchResultSchema, 'Per-row results'), ...errorResponses },
});

const batchSchema = z
  .object({
    id: z.string(),
    payeeId: z.string(),
    source: z.string(),
    rows: z.number(),
    created: z.number(),
    existing: z.number(),
    failed: z.number(),
    createdBy: z.string(),
    createdAt: z.string(),
    links: z.object({ slips: z.string(), export: z.string() }),
  })
  .openapi('PaymentRequestBatchInfo');

const batchParam = z.object({ batchId: z.string().max(64) });

const getBatchRoute = createRoute({
  method: 'get',
  path: '/payment-requests/batches/{batchId}',
  tags,
  summary: 'A batch: its counts and links to its slips and export',
  security: bearerSecurity,
  request: { params: batchParam },
  responses: { 200: jsonContent(batchSchema, 'The batch'), ...errorResponses },
});

const slipStatus = z
  .string()
  .regex(new RegExp(`^(all|(${paymentRequestStatuses.join('|')})(,(${paymentRequestStatuses.join('|')}))*)$`))
  .default('open')
  .openapi({ description: '`open` (default: what is still to be paid), `all`, or a comma-separated list' });

const slipsRoute = createRoute({
  method: 'get',
  path: '/payment-requests/batches/{batchId}/slips',
  tags,
  summary: 'Printable A4 sheet of QR slips for a batch (HTML)',
  security: bearerSecurity,
  request: {
    params: batchParam,
    query: z.object({ payerGroup: z.string().max(64).optional(), status: slipStatus }),
  },
  responses: {
    200: { description: 'An HTML page to print', content: { 'text/html': { schema: z.string() } } },
    ...errorResponses,
  },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/payment-requests/batches/{batchId}/export.csv',
  tags,
  summary: 'References and VietQR payloads of a batch as CSV, to send by Zalo or SMS',
  security: bearerSecurity,
  request: {
    params: batchParam,
    query: z.object({ payerGroup: z.string().max(64).optional(), status: slipStatus.default('all') }),
  },
  responses: {
    200: {
      description: 'reference,payerRef,payerName,group,amount,purpose,expiresAt,status,payload',
      content: { 'text/csv': { schema: z.string() } },
    },
    ...errorResponses,
  },
});

const statusFilter = (s: string): PaymentRequestStatus[] | undefined =>
  s === 'all' ? undefined : (s.split(',') as PaymentRequestStatus[]);

export const batchRoutes = createRouter()
  .openapi(batchRoute, async (c) => {
    const { db, clock } = c.var.deps;
    const issuer = { principal: c.var.principal, actor: actorOf(c.var.principal) };
    const now = clock.now();
    const isCsv = /^(text|application)\/csv/i.test(c.req.header('content-type') ?? '');
    let result: BatchResult;
    if (isCsv) {
      const q = c.req.valid('query');
      let parsed: ReturnType<typeof parseFeeCsv>;
      try {
        parsed = parseFeeCsv(new Uint8Array(await c.req.arrayBuffer()));
      } catch (err) {
        if (err instanceof CsvError) throw csvHttpError(err);
        throw err;
      }
      if (parsed.rows.length === 0) throw invalid('empty_csv', 'The CSV has a header but no rows');
      if (parsed.rows.length > MAX_BATCH_ROWS) {
        throw invalid(
          'too_many_rows',
          `At most ${MAX_BATCH_ROWS} rows per upload; use npm run import:fees for more`,
        );
      }
      const expiresAt = batchExpiry(q.expiresAt, now);
      result = await importFees(db, issuer, {
        payeeId: q.payeeId,
        source: { kind: 'csv', parsed },
        defaults: { category: q.category, expiresAt },
        origin: 'csv',
        now,
      });
    } else {
      const body = c.req.valid('json') as Partial<z.infer<typeof batchJsonBody>>;
      if (!body.items) {
        throw badRequest('validation_failed', 'Request is not valid', [
          {
            path: 'items',
            message: 'Required: a JSON body { items: [...] } or a text/csv body',
            code: 'invalid_type',
          },
        ]);
      }
      const expiresAt = batchExpiry(body.expiresAt, now);
      result = await importFees(db, issuer, {
        payeeId: body.payeeId,
        source: { kind: 'json', items: body.items },
        defaults: { category: body.category as PaymentCategory | undefined, expiresAt },
        origin: 'json',
        now,
      });
    }
    return c.json({ ...result, links: batchLinks(result.batchId) }, 201);
  })
  .openapi(getBatchRoute, async (c) => {
    const found = await getBatch(c.var.deps.db, c.req.valid('param').batchId);
    const batch = assertVisible(c.var.principal, 'Batch', found);
    return c.json(
      {
        id: batch.id,
        payeeId: batch.payeeId,
        source: batch.source,
        rows: batch.rows,
        created: batch.created,
        existing: batch.existing,
        failed: batch.failed,
        createdBy: batch.createdBy,
        createdAt: iso(batch.createdAt),
        links: batchLinks(batch.id),
      },
      200,
    );
  })
  .openapi(slipsRoute, async (c) => {
    const { db } = c.var.deps;
    const batch = assertVisible(c.var.principal, 'Batch', await getBatch(db, c.req.valid('param').batchId));
    const q = c.req.valid('query');
    const html = await renderBatchSlips(
      db,
      batch.id,
      batch.payeeId,
      { payerGroup: q.payerGroup, status: statusFilter(q.status) },
      c.var.deps.qrImages,
    );
    return c.html(html, 200, { 'Cache-Control': 'private, no-store' });
  })
  .openapi(exportRoute, async (c) => {
    const { db } = c.var.deps;
    const batch = assertVisible(c.var.principal, 'Batch', await getBatch(db, c.req.valid('param').batchId));
    const q = c.req.valid('query');
    const requests = await listBatchRequests(db, batch.id, {
      payerGroup: q.payerGroup,
      status: statusFilter(q.status),
    });
    return c.body(renderBatchCsv(requests), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="batch-${batch.id}.csv"`,
      'Cache-Control': 'private, no-store',
    });
  });

batchRoutes.openAPIRegistry.register('PaymentRequestItem', feeItemSchema);

/** A batch-wide expiry: one in the past would fail every row, so it fails the upload instead. */
function batchExpiry(text: string | undefined, now: Date): Date | undefined {
  if (text === undefined) return undefined;
  const at = parseExpiry(text)!;
  if (at.getTime() <= now.getTime()) {
    throw invalid('expiry_in_past', `Expiry ${at.toISOString()} has already passed`, { field: 'expiresAt' });
  }
  return at;
}

/** The slips page of a batch (also written by the CLI with --slips). */
export async function renderBatchSlips(
  db: Parameters<typeof listBatchRequests>[0],
  batchId: string,
  payeeId: string,
  filter: Parameters<typeof listBatchRequests>[2] = {},
  images?: QrImageCache,
): Promise<string> {
  const payee = (await getPayee(db, payeeId))!;
  const requests = await listBatchRequests(db, batchId, filter);
  const slips = [];
  for (const request of requests) slips.push({ request, qrSvg: await requestQrSvg(request.payload, images) });
  return renderSlipsPage({
    payee: {
      name: payee.name,
      bankShortName: findBank(payee.bankBin)?.shortName ?? payee.bankBin,
      accountNumber: payee.accountNumber,
      accountName: payee.accountName,
    },
    batchId,
    slips,
  });
}
