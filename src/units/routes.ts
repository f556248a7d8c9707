import { createRoute, z } from '@hono/zod-openapi';
import { assertMay, assertRole, assertVisible, mayManageUnit } from '../auth/principal.js';
import { conflict, invalid } from '../http/errors.js';
import { bearerSecurity, errorResponses, iso, jsonBody, jsonContent, pageQuery } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import {
  createHouseholdsBody,
  createUnitBody,
  householdSchema,
  type UnitLevel,
  unitCode,
  unitSchema,
  unitWithChildren,
} from './schema.js';
import { createHouseholds, createUnit, getUnit, listChildren, listHouseholds, type Unit } from './store.js';

const toUnit = (u: Unit) => ({
  code: u.code,
  name: u.name,
  level: u.level as UnitLevel,
  parentCode: u.parentCode,
  createdAt: iso(u.createdAt),
});

const createUnitRoute = createRoute({
  method: 'post',
  path: '/units',
  tags: ['Units and households'],
  summary: 'Create an administrative unit',
  security: bearerSecurity,
  request: { body: jsonBody(createUnitBody) },
  responses: { 201: jsonContent(unitSchema, 'Created'), ...errorResponses },
});

const getUnitRoute = createRoute({
  method: 'get',
  path: '/units/{code}',
  tags: ['Units and households'],
  summary: 'A unit with its children',
  security: bearerSecurity,
  request: { params: z.object({ code: unitCode }) },
  responses: { 200: jsonContent(unitWithChildren, 'The unit'), ...errorResponses },
});

const householdResult = z.object({
  index: z.number(),
  code: z.string(),
  status: z.enum(['created', 'exists', 'error']),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

const createHouseholdsRoute = createRoute({
  method: 'post',
  path: '/households',
  tags: ['Units and households'],
  summary: 'Register one household or many',
  description:
    'Body is one household or `{ items: [...] }`. Each item gets its own result; a bad item does not stop the others. ' +
    'Sending a household again exactly as stored is reported as `exists`.',
  security: bearerSecurity,
  request: { body: jsonBody(createHouseholdsBody) },
  responses: {
    201: jsonContent(
      z.object({
        created: z.number(),
        existing: z.number(),
        failed: z.number(),
        results: z.array(householdResult),
      }),
      'Per-item results',
    ),
    ...errorResponses,
  },
});

const listHouseholdsRoute = createRoute({
  method: 'get',
  path: '/households',
  tags: ['Units and households'],
  summary: 'Households in a unit and below it',
  security: bearerSecurity,
  request: { query: z.object({ unitCode, ...pageQuery }) },
  responses: {
    200: jsonContent(z.object({ items: z.array(householdSchema) }), 'Households'),
    ...errorResponses,
  },
});

export const unitRoutes = createRouter()
  .openapi(createUnitRoute, async (c) => {
    const p = c.var.principal;
    const body = c.req.valid('json');
    const { db } = c.var.deps;
    assertRole(p, 'admin', 'staff');
    let parent: Unit | undefined;
    if (body.parentCode) {
      parent = await getUnit(db, body.parentCode);
      // An unknown parent and a parent outside the key's subtree read the same: the key cannot tell.
      if (!parent || !mayManageUnit(p, parent.path))
        throw invalid('unknown_parent', `Unit ${body.parentCode} not found`);
    } else {
      assertMay(p.role === 'admin', 'Only an admin key creates a top-level unit');
    }
    const unit = await createUnit(db, body, parent);
    return c.json(toUnit(unit), 201);
  })
  .openapi(getUnitRoute, async (c) => {
    const { db } = c.var.deps;
    const found = await getUnit(db, c.req.valid('param').code);
    const unit = assertVisible(
      c.var.principal,
      'Unit',
      found && { ...found, unitPath: found.path, payeeId: null },
    );
    const children = await listChildren(db, unit.code);
    return c.json({ ...toUnit(unit), children: children.map(toUnit) }, 200);
  })
  .openapi(createHouseholdsRoute, async (c) => {
    const p = c.var.principal;
    assertRole(p, 'admin', 'staff');
    const body = c.req.valid('json');
    const items = 'items' in body ? body.items : [body];
    const results = await createHouseholds(c.var.deps.db, items, (unit) => mayManageUnit(p, unit.path));
    const count = (s: string) => results.filter((r) => r.status === s).length;
    if (!('items' in body) && results[0]?.status === 'error') {
      const e = results[0].error;
      throw e.code === 'duplicate_household' ? conflict(e.code, e.message) : invalid(e.code, e.message);
    }
    return c.json(
      { created: count('created'), existing: count('exists'), failed: count('error'), results },
      201,
    );
  })
  .openapi(listHouseholdsRoute, async (c) => {
    const { db } = c.var.deps;
    const q = c.req.valid('query');
    const found = await getUnit(db, q.unitCode);
    const unit = assertVisible(
      c.var.principal,
      'Unit',
      found && { ...found, unitPath: found.path, payeeId: null },
    );
    const rows = await listHouseholds(db, unit.path, q.limit, q.offset);
    return c.json({ items: rows.map((h) => ({ ...h, createdAt: iso(h.createdAt) })) }, 200);
  });
