/**
 * The ceiling of the HTTP stack: Hono on @hono/node-server answering a small JSON body, nothing else.
 * Started by bench.ts as its own process (like the API), on PORT; prints "listening <port>" when ready.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.get('/', (c) => c.json({ ok: true }));
app.post('/', async (c) => c.json(await c.req.json()));

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1' }, () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
