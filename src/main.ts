import { serve } from '@hono/node-server';
import { ConfigError, loadConfig } from './config.js';
import { runMigrations } from './db/migrate.js';
import { applyDemoSecrets } from './demo/secrets.js';
import type { DemoHistory } from './demo/seed.js';
import { closeDeps, createDeps, createLogger } from './deps.js';
import { startBackground } from './jobs/registry.js';

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config);
  const deps = await createDeps(config, { logger });
  await runMigrations(deps.database, config.DATABASE_URL);
  if (config.DEMO) {
    // The commune is written before the app listens (a few seconds); its payments are played once it
    // listens (below).
    const { seedDemoIfEmpty } = await import('./demo/seed.js');
    await seedDemoIfEmpty(deps);
    // Unset provider secrets get generated demo ones, so the demo can take callbacks (src/demo/secrets.ts).
    await applyDemoSecrets(deps);
  }
  await startBackground(deps, config.ROLE);

  // A worker never loads the HTTP app (routes, OpenAPI schemas, pages): tens of MB it would not use.
  const createApp = config.ROLE === 'worker' ? undefined : (await import('./app.js')).createApp;
  const server =
    createApp === undefined
      ? undefined
      : serve({ fetch: createApp(deps).fetch, port: config.PORT, hostname: config.HOST }, (info) =>
          logger.info(
            { port: info.port, database: deps.database.kind, jobs: deps.jobs.kind },
            `cashless-commune listening on http://localhost:${info.port} (docs at /docs)`,
          ),
        );

  // The demo's payment history, in the background in small units while the API answers; resumed at the
  // next start if interrupted. Only a process that serves and works: several API processes would each
  // play it.
  let history: DemoHistory | undefined;
  if (config.DEMO && config.ROLE === 'all') history = (await import('./demo/seed.js')).startDemoHistory(deps);

  if (server) {
    // Longer than a load balancer's idle timeout (60 s is common), and than the embedded database's longest
    // unit of work: with Node's 5 s a busy process could close a kept-alive connection just as the client
    // sent its next request on it (ECONNRESET).
    const http = server as unknown as { keepAliveTimeout: number; headersTimeout: number };
    http.keepAliveTimeout = 65_000;
    http.headersTimeout = 66_000;
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new requests, finishing running jobs');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Counter screens hold server-sent event streams open for minutes; after a grace period they are cut
      // and reconnect to another process, resuming from their Last-Event-ID, so nothing is lost.
      const cut = setTimeout(
        () => (server as { closeAllConnections?: () => void }).closeAllConnections?.(),
        5_000,
      );
      cut.unref();
      await closed;
    }
    await history?.stop();
    await closeDeps(deps);
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main();
