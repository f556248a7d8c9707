import { createRoute, z } from '@hono/zod-openapi';
import { recordAudit } from '../audit/store.js';
import { invalid } from '../http/errors.js';
import {
  bearerSecurity,
  errorResponses,
  iso,
  isoOrNull,
  jsonBody,
  jsonContent,
  pageQuery,
} from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { getPayee } from '../payees/store.js';
import { unitCode } from '../units/schema.js';
import { getUnit } from '../units/store.js';
import { actorOf, assertRole, assertVisible, mayManageUnit, roles, scopeFilter } from './principal.js';
import {
  type ApiKeyRecord,
  createApiKey,
  getApiKey,
  keyUnitPath,
  listApiKeys,
  revokeApiKey,
} from './store.js';

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

const apiKeySchema = z
  .object({
    id: z.string(),
    role: z.enum(roles),
    unitCode: z.string().nullable(),
    payeeId: z.string().nullable(),
    label: z.string(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey');

const toApiKey = (k: ApiKeyRecord) => ({
  id: k.id,
  role: k.role,
  unitCode: k.unitCode,
  payeeId: k.payeeId,
  label: k.label,
  createdAt: iso(k.createdAt),
  revokedAt: isoOrNull(k.revokedAt),
});

const listApiKeysRoute = createRoute({
  method: 'get',
  path: '/api-keys',
  tags: ['Auth'],
  summary: 'List API keys (never the keys themselves)',
  description:
    'Admins see every key; staff see the staff and payee keys of their unit subtree. Newest first.',
  security: bearerSecurity,
  request: {
    query: z.object({
      includeRevoked: z
        .enum(['true', 'false'])
        .default('false')
        .transform((v) => v === 'true'),
      ...pageQuery,
    }),
  },
  responses: {
    200: jsonContent(z.object({ items: z.array(apiKeySchema) }), 'Keys in scope'),
    ...errorResponses,
  },
});

const revokeApiKeyRoute = createRoute({
  method: 'delete',
  path: '/api-keys/{id}',
  tags: ['Auth'],
  summary: 'Revoke an API key',
  description:
    'A key sits where its unit (staff) or its payee (payee) sits; admin keys only admins see. The key stops working within 30 seconds (the key cache of each API process). Revoking twice is harmless.',
  security: bearerSecurity,
  request: { params: z.object({ id: z.string().uuid() }) },
  responses: {
    200: jsonContent(apiKeySchema, 'The revoked key'),
    ...errorResponses,
  },
});

export const apiKeyRoutes = createRouter()
  .openapi(createApiKeyRoute, async (c) => {
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
  })
  .openapi(listApiKeysRoute, async (c) => {
    const p = c.var.principal;
    assertRole(p, 'admin', 'staff');
    const q = c.req.valid('query');
    const keys = await listApiKeys(c.var.deps.db, {
      scope: scopeFilter(p, { unitPath: keyUnitPath }),
      includeRevoked: q.includeRevoked,
      limit: q.limit,
      offset: q.offset,
    });
    return c.json({ items: keys.map(toApiKey) }, 200);
  })
  .openapi(revokeApiKeyRoute, async (c) => {
    const p = c.var.principal;
    const { db } = c.var.deps;
    const found = assertVisible(p, 'API key', await getApiKey(db, c.req.valid('param').id));
    assertRole(p, 'admin', 'staff');
    const revokedAt = await db.transaction(async (tx) => {
      const at = await revokeApiKey(tx, found.id);
      if (!found.revokedAt)
        await recordAudit(tx, {
          actor: actorOf(p),
          action: 'api_key.revoke',
          subjectType: 'api_key',
          subjectId: found.id,
          details: { role: found.role, label: found.label },
        });
      return at;
    });
    return c.json(toApiKey({ ...found, revokedAt }), 200);
  });
