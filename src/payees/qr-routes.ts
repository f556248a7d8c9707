/**
 * A stall's static VietQR as an image, and its printable card (one, or a sheet for a whole market).
 * Mounted before `payeeRoutes` in app.ts: `/payees/cards` must win over `/payees/{id}`.
 */
import { createHash } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { assertVisible, canSee } from '../auth/principal.js';
import type { AppEnv } from '../http/context.js';
import { invalid, notFound } from '../http/errors.js';
import { bearerSecurity, errorResponses } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { unitCode } from '../units/schema.js';
import { getUnit } from '../units/store.js';
import { findBank } from '../vietqr/banks.js';
import { DEFAULT_PNG_SCALE } from '../vietqr/image-cache.js';
import { encodeVietQr } from '../vietqr/payload.js';
import { cardLangs, cardPageCsp, renderCardPage, renderCardSheet, type StallCard } from './card.js';
import { scopeOfPayee } from './routes.js';
import { payeeKinds } from './schema.js';
import { getPayee, listPayees, type Payee } from './store.js';

/**
 * A static payload changes only if the payee's bank or account does (there is no route for that
 * today), so a client may keep the image a day and revalidate with If-None-Match after that.
 */
export const QR_MAX_AGE_SECONDS = 86_400;
/** A sheet of more cards than this is refused: print one market (unit) at a time. */
export const MAX_SHEET_CARDS = 2_000;
/** Bumped when the drawing changes (error correction, margin), so clients refetch. */
const RENDER_VERSION = 'r1';

const tags = ['Payees'];
const idParam = z.object({ id: z.string().max(64) });
const langQuery = z
  .enum(cardLangs)
  .default('vi')
  .openapi({ description: 'Labels: Vietnamese (default) or English' });

const imageResponses = (type: string) => ({
  200: {
    description: 'The QR image',
    content: { [type]: { schema: z.string().openapi({ format: 'binary' }) } },
  },
  304: { description: 'Not modified: the If-None-Match ETag is current' },
  ...errorResponses,
});
const htmlResponses = {
  200: { description: 'A printable HTML page', content: { 'text/html': { schema: z.string() } } },
  ...errorResponses,
};

const qrSvgRoute = createRoute({
  method: 'get',
  path: '/payees/{id}/qr.svg',
  tags,
  summary: 'The stall’s static VietQR (no amount) as SVG',
  security: bearerSecurity,
  request: { params: idParam },
  responses: imageResponses('image/svg+xml'),
});

const qrPngRoute = createRoute({
  method: 'get',
  path: '/payees/{id}/qr.png',
  tags,
  summary: 'The stall’s static VietQR (no amount) as PNG',
  security: bearerSecurity,
  request: {
    params: idParam,
    query: z.object({
      size: z.coerce
        .number()
        .int()
        .min(64)
        .max(2048)
        .optional()
        .openapi({
          description:
            'Largest width in pixels: the image is drawn at the most whole pixels per module that fit ' +
            `(default ${DEFAULT_PNG_SCALE} pixels per module, about 300 px)`,
        }),
    }),
  },
  responses: imageResponses('image/png'),
});

const cardRoute = createRoute({
  method: 'get',
  path: '/payees/{id}/card',
  tags,
  summary: 'A printable stall card (A6): name, stall, bank, account holder and number, static QR',
  security: bearerSecurity,
  request: { params: idParam, query: z.object({ lang: langQuery }) },
  responses: htmlResponses,
});

const sheetRoute = createRoute({
  method: 'get',
  path: '/payees/cards',
  tags,
  summary: 'Stall cards for a whole market: four A6 cards on each A4 page',
  description:
    'Every payee the key may see in the unit (and below it), of the kind if given, ordered by unit and ' +
    `stall number. At most ${MAX_SHEET_CARDS} cards.`,
  security: bearerSecurity,
  request: {
    query: z.object({ unitCode: unitCode.optional(), kind: z.enum(payeeKinds).optional(), lang: langQuery }),
  },
  responses: htmlResponses,
});

const staticPayload = (p: Payee) => encodeVietQr({ bin: p.bankBin, account: p.accountNumber });

async function visiblePayee(c: Context<AppEnv>, id: string): Promise<Payee> {
  const payee = await getPayee(c.var.deps.db, id);
  return assertVisible(c.var.principal, 'Payee', payee && scopeOfPayee(payee));
}

/** A strong ETag from what the image is drawn from; two requests for the same code share it. */
function imageEtag(variant: string, payload: string): string {
  const hash = createHash('sha256').update(`${RENDER_VERSION}:${variant}:${payload}`).digest('base64url');
  return `"${hash.slice(0, 27)}"`;
}

/** If-None-Match per RFC 9110 §13.1.2: a list of tags, weak comparison, or `*`. */
function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

/**
 * The payload of a payee's static QR, after the same scope check as GET /v1/payees/{id}. What it is
 * drawn from is kept for a few seconds by the image cache: the hot path of a cached image then needs
 * no database query (payee rows do not change through the API; a change shows within the TTL).
 */
async function visibleStaticPayload(c: Context<AppEnv>, id: string): Promise<string> {
  const { db, qrImages } = c.var.deps;
  const source = await qrImages.source(`payee:${id}`, async () => {
    const payee = await getPayee(db, id);
    return payee && { payload: staticPayload(payee), unitPath: payee.unitPath, payeeId: payee.id };
  });
  return assertVisible(c.var.principal, 'Payee', source).payload;
}

async function qrImage(c: Context<AppEnv>, id: string, type: 'svg' | 'png', size?: number) {
  const payload = await visibleStaticPayload(c, id);
  const { qrImages } = c.var.deps;
  const scale = type === 'png' ? (size ? qrImages.scaleForWidth(payload, size) : DEFAULT_PNG_SCALE) : 0;
  const etag = imageEtag(type === 'svg' ? 'svg' : `png:${scale}`, payload);
  const headers = { ETag: etag, 'Cache-Control': `private, max-age=${QR_MAX_AGE_SECONDS}` };
  if (matchesIfNoneMatch(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
  if (type === 'svg') {
    return c.body(await qrImages.svg(payload), 200, {
      ...headers,
      'Content-Type': 'image/svg+xml; charset=utf-8',
    });
  }
  return c.body(await qrImages.png(payload, scale), 200, { ...headers, 'Content-Type': 'image/png' });
}

async function toStallCard(c: Context<AppEnv>, p: Payee): Promise<StallCard> {
  const bank = findBank(p.bankBin);
  return {
    payeeId: p.id,
    name: p.name,
    stallNo: p.stallNo,
    bankShortName: bank?.shortName ?? p.bankBin,
    bankName: bank?.name ?? null,
    accountName: p.accountName,
    accountNumber: p.accountNumber,
    qrSvg: await c.var.deps.qrImages.svg(staticPayload(p)),
  };
}

const pageHeaders = {
  'Content-Security-Policy': cardPageCsp,
  'Cache-Control': 'private, no-cache',
  'Referrer-Policy': 'no-referrer',
};

/** Stall numbers as people count them: A2 before A10. */
const stallOrder = new Intl.Collator('vi', { numeric: true, sensitivity: 'base' });

export const payeeQrRoutes = createRouter()
  // The static path first: within this router too, /payees/cards must not be read as an id.
  .openapi(sheetRoute, async (c) => {
    const q = c.req.valid('query');
    const p = c.var.principal;
    const { db } = c.var.deps;
    let unitPath: string | undefined;
    let heading = p.unitCode ?? '';
    if (q.unitCode) {
      const unit = await getUnit(db, q.unitCode);
      // A payee key is narrowed to its own payee by listPayees; staff may not look outside their unit.
      if (!unit || (p.role !== 'payee' && !canSee(p, { unitPath: unit.path }))) throw notFound('Unit');
      unitPath = unit.path;
      heading = `${unit.name} (${unit.code})`;
    }
    const payees: Payee[] = [];
    for (let offset = 0; ; offset += 500) {
      const page = await listPayees(db, p, { unitPath, kind: q.kind, limit: 500, offset });
      payees.push(...page);
      if (payees.length > MAX_SHEET_CARDS) {
        throw invalid('too_many_cards', `More than ${MAX_SHEET_CARDS} cards: print one unit at a time`, {
          max: MAX_SHEET_CARDS,
        });
      }
      if (page.length < 500) break;
    }
    payees.sort(
      (a, b) =>
        a.unitCode.localeCompare(b.unitCode) ||
        stallOrder.compare(a.stallNo ?? '', b.stallNo ?? '') ||
        stallOrder.compare(a.name, b.name),
    );
    const cards = await Promise.all(payees.map((payee) => toStallCard(c, payee)));
    return c.html(await renderCardSheet(cards, q.lang, heading), 200, pageHeaders);
  })
  .openapi(qrSvgRoute, (c) => qrImage(c, c.req.valid('param').id, 'svg'))
  .openapi(qrPngRoute, (c) => qrImage(c, c.req.valid('param').id, 'png', c.req.valid('query').size))
  .openapi(cardRoute, async (c) => {
    const payee = await visiblePayee(c, c.req.valid('param').id);
    const html = await renderCardPage(await toStallCard(c, payee), c.req.valid('query').lang);
    return c.html(html, 200, pageHeaders);
  });
