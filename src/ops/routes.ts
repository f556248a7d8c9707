import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { createRoute, z } from '@hono/zod-openapi';
import { Queue } from 'bullmq';
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import { assertRole } from '../auth/principal.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../http/context.js';
import { errorBody } from '../http/errors.js';
import { bearerSecurity, errorResponses, jsonContent } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { allJobs } from '../jobs/registry.js';
import { outboxBacklog } from '../outbox/relay.js';

export const BOARD_PATH = '/v1/ops/queues/board';

const countsSchema = z.object({
  waiting: z.number(),
  active: z.number(),
  delayed: z.number(),
  failed: z.number(),
});
const queuesRoute = createRoute({
  method: 'get',
  path: '/ops/queues',
  tags: ['Operations'],
  summary: 'Background job counts per queue and the callback outbox backlog (admin)',
  security: bearerSecurity,
  responses: {
    200: jsonContent(
      z.object({
        backend: z.enum(['bullmq', 'in-process']),
        queues: z.record(z.string(), countsSchema),
        outbox: z.object({ pending: z.number() }),
        board: z.string().nullable().openapi({ description: 'Bull Board UI (only with Redis)' }),
      }),
      'Counts',
    ),
    ...errorResponses,
  },
});

/**
 * Bull Board, built on first use from the app's own deps: one BullMQ queue view per job, on a connection
 * of its own. Only with REDIS_URL (in-process jobs have the JSON counts above instead).
 * BULLMQ_PREFIX must match the workers' prefix (`cc` unless a deployment changed it).
 */
function boardFor(deps: AppDeps): Hono {
  const adapter = new HonoAdapter(serveStatic);
  adapter.setBasePath(BOARD_PATH);
  const connection = new Redis(deps.config.REDIS_URL!, { maxRetriesPerRequest: null });
  connection.on('error', (err) => deps.logger.debug({ err: err.message }, 'bull board redis error'));
  const prefix = deps.config.BULLMQ_PREFIX;
  createBullBoard({
    queues: allJobs.map((j) => new BullMQAdapter(new Queue(j.name, { connection, prefix }))),
    serverAdapter: adapter as never,
  });
  return adapter.registerPlugin() as unknown as Hono;
}

const boards = new WeakMap<AppDeps, Hono>();
const board = new Hono<AppEnv>().all('*', async (c) => {
  const p = c.var.principal;
  if (p?.role !== 'admin') return c.json(errorBody('forbidden', 'This needs a key with role admin'), 403);
  const deps = c.var.deps;
  if (!deps.config.REDIS_URL)
    return c.json(errorBody('not_found', 'Bull Board needs REDIS_URL; see GET /v1/ops/queues'), 404);
  let b = boards.get(deps);
  if (!b) {
    b = new Hono().route(BOARD_PATH, boardFor(deps));
    boards.set(deps, b);
  }
  return b.fetch(c.req.raw);
});

export const opsRoutes = createRouter()
  .openapi(queuesRoute, async (c) => {
    assertRole(c.var.principal, 'admin');
    const deps = c.var.deps;
    return c.json(
      {
        backend: deps.jobs.kind,
        queues: await deps.jobs.counts(allJobs.map((j) => j.name)),
        outbox: { pending: await outboxBacklog(deps) },
        board: deps.config.REDIS_URL ? BOARD_PATH : null,
      },
      200,
    );
  })
  .route('/ops/queues/board', board);
