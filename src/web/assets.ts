import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';

const here = dirname(fileURLToPath(import.meta.url));
const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot/package.json'));

/** Files the pages load, all served from this process (the machines have no internet, and CSP says self). */
const files: Record<string, { path: string; type: string }> = {
  'app.css': { path: join(here, 'static/app.css'), type: 'text/css; charset=utf-8' },
  'dashboard.js': { path: join(here, 'static/dashboard.js'), type: 'text/javascript; charset=utf-8' },
  'uplot.min.js': { path: join(uplotDir, 'dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uplot.min.css': { path: join(uplotDir, 'dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
  // The counter screens (src/counter): /vendor and /bursar.
  'counter.css': { path: join(here, '../counter/static/counter.css'), type: 'text/css; charset=utf-8' },
  'counter-live.js': {
    path: join(here, '../counter/static/counter-live.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'vendor.js': { path: join(here, '../counter/static/vendor.js'), type: 'text/javascript; charset=utf-8' },
  'bursar.js': { path: join(here, '../counter/static/bursar.js'), type: 'text/javascript; charset=utf-8' },
};

/** GET /assets/:file — read once, then kept in memory (they are a few tens of kilobytes). */
export function assetRoutes() {
  const loaded = new Map<string, Buffer>();
  return new Hono().get('/assets/:file', async (c) => {
    const name = c.req.param('file');
    // Own keys only: "constructor" or "__proto__" must not find Object.prototype (found by test/integration/fuzz).
    const file = Object.hasOwn(files, name) ? files[name] : undefined;
    if (!file) return c.json({ error: { code: 'not_found', message: 'No such asset' } }, 404);
    let body = loaded.get(name);
    if (!body) {
      body = await readFile(file.path);
      loaded.set(name, body);
    }
    return c.body(new Uint8Array(body), 200, {
      'content-type': file.type,
      'cache-control': 'public, max-age=3600',
      'x-content-type-options': 'nosniff',
    });
  });
}
