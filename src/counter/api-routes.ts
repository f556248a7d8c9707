import { createRoute, z } from '@hono/zod-openapi';
import { actorOf, assertMay, assertRole, assertVisible, mayManageUnit } from '../auth/principal.js';
import { bearerSecurity, errorResponses, iso, jsonContent } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { scopeOfPayee } from '../payees/routes.js';
import { getPayee } from '../payees/store.js';
import { createLoginLink, DEFAULT_LINK_HOURS, MAX_LINK_HOURS } from './login-links.js';
import { publicOrigin } from './payee.js';

const loginLinkRoute = createRoute({
  method: 'post',
  path: '/payees/{id}/login-links',
  tags: ['Payees'],
  summary: 'A one-time login link to the payee’s counter screen (vendor or bursar page)',
  description:
    'For staff and admins. Whoever opens the link and taps “Open” is logged in as the payee on that browser ' +
    '(a new payee key kept only in an HttpOnly cookie). The link works once and expires after `hours` ' +
    `(default ${DEFAULT_LINK_HOURS}, at most ${MAX_LINK_HOURS}). GET /counter/login-card?payee=ID prints it as a QR code.`,
  security: bearerSecurity,
  request: {
    params: z.object({ id: z.string().max(64) }),
    body: {
      required: false,
      content: {
        'application/json': {
          schema: z.strictObject({
            hours: z.number().int().min(1).max(MAX_LINK_HOURS).optional(),
          }),
        },
      },
    },
  },
  responses: {
    201: jsonContent(
      z.object({ id: z.string(), url: z.string(), expiresAt: z.string() }),
      'The link: give it to the payee now, it is not shown again',
    ),
    ...errorResponses,
  },
});

export const counterApiRoutes = createRouter().openapi(loginLinkRoute, async (c) => {
  const p = c.var.principal;
  const { db, clock } = c.var.deps;
  const payee = await getPayee(db, c.req.valid('param').id);
  assertVisible(p, 'Payee', payee && scopeOfPayee(payee));
  assertRole(p, 'admin', 'staff');
  assertMay(mayManageUnit(p, payee!.unitPath));
  const body = (c.req.valid('json') ?? {}) as { hours?: number };
  const link = await createLoginLink(db, {
    payeeId: payee!.id,
    hours: body.hours ?? DEFAULT_LINK_HOURS,
    actor: actorOf(p),
    now: clock.now(),
  });
  return c.json(
    { id: link.id, url: `${publicOrigin(c)}/counter/enter?t=${link.token}`, expiresAt: iso(link.expiresAt) },
    201,
  );
});
