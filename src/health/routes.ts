import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createRoute, z } from '@hono/zod-openapi';
import { jsonContent } from '../http/openapi.js';
import { createRouter } from '../http/router.js';

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['Health'],
  summary: 'The process is up',
  responses: { 200: jsonContent(z.object({ status: z.literal('ok') }), 'Up') },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['Health'],
  summary: 'The database (and Redis, when configured) answer',
  responses: {
    200: jsonContent(
      z.object({ status: z.literal('ready'), database: z.string(), jobs: z.string() }),
      'Ready',
    ),
    503: jsonContent(
      z.object({ status: z.literal('unavailable'), database: z.string(), jobs: z.string() }),
      'Not ready',
    ),
  },
});

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref()),
  ]);

export const healthRoutes = createRouter()
  .openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200))
  .openapi(readyz, async (c) => {
    const { database, jobs } = c.var.deps;
    const check = (p: Promise<void>) =>
      withTimeout(p, 2000).then(
        () => 'ok',
        () => 'down',
      );
    const [db, queue] = await Promise.all([check(database.ping()), check(jobs.ping())]);
    const body = { database: db, jobs: `${jobs.kind}:${queue}` };
    if (db === 'ok' && queue === 'ok') return c.json({ status: 'ready' as const, ...body }, 200);
    return c.json({ status: 'unavailable' as const, ...body }, 503);
  });

// Swagger UI is served from the installed package so /docs works with no internet.
const swaggerDir = createRequire(import.meta.url)
  .resolve('swagger-ui-dist/package.json')
  .replace(/package\.json$/, '');
const swaggerAssets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>cashless-commune API</title><link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="docs"></div><script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script></body></html>`;
const docsInit = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#docs', deepLinking: true, persistAuthorization: true });`;

export const docsRoutes = createRouter()
  .get('/docs', (c) => c.html(docsPage))
  .get('/docs/assets/init.js', (c) =>
    c.body(docsInit, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  )
  .get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = Object.hasOwn(swaggerAssets, file) ? swaggerAssets[file] : undefined;
    if (!type) return c.json({ error: { code: 'not_found', message: 'No such asset' } }, 404);
    const body = await readFile(join(swaggerDir, file));
    return c.body(body, 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
