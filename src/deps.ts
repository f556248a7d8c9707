import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { type Database, type Db, openDatabase } from './db/client.js';
import { createBullQueue } from './jobs/bullmq.js';
import { createInProcessQueue } from './jobs/in-process.js';
import type { JobQueue } from './jobs/types.js';
import { createQrImageCache, type QrImageCache } from './vietqr/image-cache.js';

export type Clock = { now(): Date };
export const systemClock: Clock = { now: () => new Date() };

/** Everything with a connection or a side effect, created once at start and passed to whoever needs it. */
export type AppDeps = {
  config: Config;
  database: Database;
  db: Db;
  jobs: JobQueue;
  logger: Logger;
  clock: Clock;
  /** Rendered QR images by payload (stall cards, payment-request codes), bounded in bytes. */
  qrImages: QrImageCache;
};

export type DepsOptions = {
  logger?: Logger;
  clock?: Clock;
  /** Redis key prefix for BullMQ: tests give each file its own. */
  queuePrefix?: string;
};

export function createLogger(config: Pick<Config, 'LOG_LEVEL'>): Logger {
  return pino({
    level: config.LOG_LEVEL,
    // Keys, secrets and signatures never reach the log, whatever a caller passes in.
    redact: {
      paths: [
        'authorization',
        '*.authorization',
        '*.headers.authorization',
        '*.headers.cookie',
        'key',
        '*.key',
        'secret',
        '*.secret',
        'signature',
        '*.signature',
      ],
      censor: '[redacted]',
    },
  });
}

export async function createDeps(config: Config, options: DepsOptions = {}): Promise<AppDeps> {
  const logger = options.logger ?? createLogger(config);
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolSize: config.DB_POOL_SIZE,
  });
  const jobs = config.REDIS_URL
    ? createBullQueue({ url: config.REDIS_URL, prefix: options.queuePrefix, logger })
    : createInProcessQueue(logger);
  return {
    config,
    database,
    db: database.db,
    jobs,
    logger,
    clock: options.clock ?? systemClock,
    qrImages: createQrImageCache(),
  };
}

export async function closeDeps(deps: AppDeps): Promise<void> {
  await deps.jobs.close();
  await deps.database.close();
}
