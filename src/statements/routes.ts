import { createRoute, z } from '@hono/zod-openapi';
import { actorOf, assertMay, assertRole, mayManageUnit } from '../auth/principal.js';
import { badRequest, invalid } from '../http/errors.js';
import { bearerSecurity, errorResponses, jsonContent } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { findPayeeByAccount } from '../payees/store.js';
import { importStatement, parseStatement } from './import.js';
import { StatementError } from './line.js';

const reportSchema = z
  .object({
    statementId: z.string(),
    accountNumber: z.string(),
    format: z.string(),
    from: z.string(),
    to: z.string(),
    lines: z.number().int(),
    alreadyKnown: z.number().int(),
    created: z.number().int(),
    debits: z.number().int(),
    conflicts: z.array(
      z.object({
        transactionId: z.string(),
        amount: z.number().int(),
        bookedAt: z.string(),
        memo: z.string(),
        status: z.string(),
        reason: z.string(),
      }),
    ),
  })
  .openapi('StatementReport');

const day = z.iso.date();
const importRoute = createRoute({
  method: 'post',
  path: '/statements',
  tags: ['Statements'],
  summary:
    'Import a bank statement (CSV as Vietnamese banks export it, or ISO 20022 camt.053 XML) for one account',
  security: bearerSecurity,
  request: {
    query: z.object({
      accountNumber: z.string().min(1).max(64).optional(),
      from: day.optional(),
      to: day.optional(),
    }),
    body: {
      required: true,
      content: {
        'text/csv': { schema: z.string() },
        'application/xml': { schema: z.string() },
      },
    },
  },
  responses: {
    200: jsonContent(reportSchema, 'What the statement confirmed, added and contradicts'),
    ...errorResponses,
  },
});

export const statementRoutes = createRouter().openapi(importRoute, async (c) => {
  const p = c.var.principal;
  assertRole(p, 'admin', 'staff');
  const q = c.req.valid('query');
  const { db } = c.var.deps;
  const content = await c.req.text();
  if (!content.trim()) throw badRequest('empty_statement', 'The request body is empty');
  try {
    const contentType = c.req.header('content-type') ?? '';
    // Staff import only for accounts of payees in their unit; admins for any account.
    const check = async (accountNumber: string) => {
      if (p.role === 'admin') return;
      const payee = await findPayeeByAccount(db, accountNumber);
      if (!payee) throw invalid('unknown_account', `No payee receives on account ${accountNumber}`);
      assertMay(mayManageUnit(p, payee.unitPath));
    };
    const account = q.accountNumber ?? parseStatement(content, contentType).accountNumber;
    if (account) await check(account);
    else if (p.role !== 'admin') throw invalid('invalid_statement', 'Which account? Pass accountNumber');
    const report = await importStatement(db, { content, contentType, ...q, actor: actorOf(p) });
    return c.json(report, 200);
  } catch (err) {
    if (err instanceof StatementError) throw invalid('invalid_statement', err.message, err.details);
    throw err;
  }
});
