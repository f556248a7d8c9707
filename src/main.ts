import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { runMigrations } from './db/migrate.js';
import { applyDemoSecrets } from './demo/secrets.js';
import { seedDemoIfEmpty } from './demo/seed.js';
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
    // The commune is written before the app listens (a few seconds). Its payment history is not: on the
    // embedded database it holds the one connection for minutes and the app would not answer meanwhile.
    // `npm run demo:simulate` plays payments into the running demo instead (README).
    await seedDemoIfEmpty(deps, { history: 'none' });
    // Unset provider secrets get generated demo ones, so the demo can take callbacks (src/demo/secrets.ts).
    await applyDemoSecrets(deps);
  }
  await startBackground(deps, config.ROLE);

  const server =
    config.ROLE === 'worker'
      ? undefined
      : serve({ fetch: createApp(deps).fetch, port: config.PORT, hostname: config.HOST }, (info) =>
          logger.info(
            { port: info.port, database: deps.database.kind, jobs: deps.jobs.kind },
            `cashless-commune listening on http://localhost:${info.port} (docs at /docs)`,
          ),
        );

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
    await closeDeps(deps);
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main();
