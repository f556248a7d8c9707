import { createRoute, z } from '@hono/zod-openapi';
import { assertRole, assertVisible, mayManageUnit } from '../auth/principal.js';
import { invalid } from '../http/errors.js';
import { bearerSecurity, errorResponses, iso, jsonBody, jsonContent, pageQuery } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { unitCode } from '../units/schema.js';
import { getUnit } from '../units/store.js';
import { findBank } from '../vietqr/banks.js';
import { encodeVietQr } from '../vietqr/payload.js';
import { createPayeeBody, payeeKinds, payeeSchema } from './schema.js';
import { createPayee, getPayee, listPayees, type Payee } from './store.js';

/** The API shape of a payee, with its static (amount-free) VietQR payload for the stall card. */
export function toPayeeResponse(p: Payee) {
  return {
    id: p.id,
    kind: p.kind as (typeof payeeKinds)[number],
    name: p.name,
    unitCode: p.unitCode,
    bankBin: p.bankBin,
    bankShortName: findBank(p.bankBin)?.shortName ?? p.bankBin,
    accountNumber: p.accountNumber,
    accountName: p.accountName,
    stallNo: p.stallNo,
    virtualAccount: p.virtualAccount,
    createdAt: iso(p.createdAt),
    staticQr: { payload: encodeVietQr({ bin: p.bankBin, account: p.accountNumber }) },
  };
}

const tags = ['Payees'];

const createPayeeRoute = createRoute({
  method: 'post',
  path: '/payees',
  tags,
  summary: 'Register a payee (market vendor, school, utility, public-service counter)',
  security: bearerSecurity,
  request: { body: jsonBody(createPayeeBody) },
  responses: { 201: jsonContent(payeeSchema, 'Created, with its static VietQR payload'), ...errorResponses },
});

const getPayeeRoute = createRoute({
  method: 'get',
  path: '/payees/{id}',
  tags,
  summary: 'A payee',
  security: bearerSecurity,
  request: { params: z.object({ id: z.string().max(64) }) },
  responses: { 200: jsonContent(payeeSchema, 'The payee'), ...errorResponses },
});

const listPayeesRoute = createRoute({
  method: 'get',
  path: '/payees',
  tags,
  summary: 'Payees the key may see, by unit (and below) and kind',
  security: bearerSecurity,
  request: {
    query: z.object({ unitCode: unitCode.optional(), kind: z.enum(payeeKinds).optional(), ...pageQuery }),
  },
  responses: { 200: jsonContent(z.object({ items: z.array(payeeSchema) }), 'Payees'), ...errorResponses },
});

export const payeeRoutes = createRouter()
  .openapi(createPayeeRoute, async (c) => {
    const p = c.var.principal;
    assertRole(p, 'admin', 'staff');
    const body = c.req.valid('json');
    const { db } = c.var.deps;
    if (!findBank(body.bankBin)) {
      throw invalid('unknown_bank', `BIN ${body.bankBin} is not a known Vietnamese bank or e-wallet`);
    }
    const unit = await getUnit(db, body.unitCode);
    if (!unit || !mayManageUnit(p, unit.path))
      throw invalid('unknown_unit', `Unit ${body.unitCode} not found`);
    const payee = await createPayee(db, body, unit.path);
    return c.json(toPayeeResponse(payee), 201);
  })
  .openapi(getPayeeRoute, async (c) => {
    const payee = await getPayee(c.var.deps.db, c.req.valid('param').id);
    return c.json(
      toPayeeResponse(assertVisible(c.var.principal, 'Payee', payee && scopeOfPayee(payee))),
      200,
    );
  })
  .openapi(listPayeesRoute, async (c) => {
    const q = c.req.valid('query');
    const { db } = c.var.deps;
    let unitPath: string | undefined;
    if (q.unitCode) {
      const unit = await getUnit(db, q.unitCode);
      if (!unit) return c.json({ items: [] }, 200);
      unitPath = unit.path;
    }
    const rows = await listPayees(db, c.var.principal, {
      unitPath,
      kind: q.kind,
      limit: q.limit,
      offset: q.offset,
    });
    return c.json({ items: rows.map(toPayeeResponse) }, 200);
  });

/** Where a payee sits, for scope checks: its unit, and itself for a payee key. */
export function scopeOfPayee(p: Payee) {
  return { ...p, unitPath: p.unitPath, payeeId: p.id };
}
