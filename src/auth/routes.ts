import { createRoute, z } from '@hono/zod-openapi';
import { recordAudit } from '../audit/store.js';
import { invalid } from '../http/errors.js';
import { bearerSecurity, errorResponses, jsonBody, jsonContent } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { getPayee } from '../payees/store.js';
import { unitCode } from '../units/schema.js';
import { getUnit } from '../units/store.js';
import { actorOf, assertRole, mayManageUnit, roles } from './principal.js';
import { createApiKey } from './store.js';

export const createApiKeyBody = z
  .strictObject({
    role: z.enum(roles),
    unitCode: unitCode.optional(),
    payeeId: z.string().uuid().optional(),
    label: z.string().trim().min(1).max(200),
  })
  .superRefine((b, ctx) => {
    if (b.role === 'staff' && !b.unitCode)
      ctx.addIssue({ code: 'custom', path: ['unitCode'], message: 'staff keys need a unitCode' });
    if (b.role === 'payee' && !b.payeeId)
      ctx.addIssue({ code: 'custom', path: ['payeeId'], message: 'payee keys need a payeeId' });
    if (b.role !== 'staff' && b.unitCode)
      ctx.addIssue({ code: 'custom', path: ['unitCode'], message: 'only staff keys take a unitCode' });
    if (b.role !== 'payee' && b.payeeId)
      ctx.addIssue({ code: 'custom', path: ['payeeId'], message: 'only payee keys take a payeeId' });
  })
  .openapi('CreateApiKey');

const createApiKeyRoute = createRoute({
  method: 'post',
  path: '/api-keys',
  tags: ['Auth'],
  summary: 'Create an API key (shown once)',
  description: 'Admins create any key; staff create staff and payee keys inside their own unit subtree.',
  security: bearerSecurity,
  request: { body: jsonBody(createApiKeyBody) },
  responses: {
    201: jsonContent(
      z.object({ id: z.string(), key: z.string() }),
      'The key: store it now, it is not shown again',
    ),
    ...errorResponses,
  },
});

export const apiKeyRoutes = createRouter().openapi(createApiKeyRoute, async (c) => {
  const p = c.var.principal;
  assertRole(p, 'admin', 'staff');
  const body = c.req.valid('json');
  const { db } = c.var.deps;
  if (body.role === 'admin') assertRole(p, 'admin');
  if (body.unitCode) {
    const unit = await getUnit(db, body.unitCode);
    if (!unit || !mayManageUnit(p, unit.path))
      throw invalid('unknown_unit', `Unit ${body.unitCode} not found`);
  }
  if (body.payeeId) {
    const payee = await getPayee(db, body.payeeId);
    if (!payee || !mayManageUnit(p, payee.unitPath))
      throw invalid('unknown_payee', `Payee ${body.payeeId} not found`);
  }
  const created = await db.transaction(async (tx) => {
    const k = await createApiKey(tx, body);
    await recordAudit(tx, {
      actor: actorOf(p),
      action: 'api_key.create',
      subjectType: 'api_key',
      subjectId: k.id,
      details: { role: body.role, unitCode: body.unitCode, payeeId: body.payeeId, label: body.label },
    });
    return k;
  });
  return c.json(created, 201);
});
