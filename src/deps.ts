import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';
import { type Database, type Db, openDatabase } from './db/client.js';
import { createRateLimits, type RateLimits } from './http/rate-limit.js';
import { createBullQueue } from './jobs/bullmq.js';
import { createInProcessQueue } from './jobs/in-process.js';
import { allJobs } from './jobs/registry.js';
import type { JobQueue } from './jobs/types.js';
import { safeError } from './observability/log.js';
import { type AppMetrics, createMetrics } from './observability/metrics.js';
import { createPayeeLoader, type PayeeLoader } from './payees/loader.js';
import { createRequestInserter, type RequestInserter } from './payment-requests/request-inserter.js';
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
  /** Rate limits on failed authentication, per API key and per callback IP (src/http/rate-limit.ts). */
  rateLimits: RateLimits;
  /** Prometheus metrics of this process (GET /metrics). */
  metrics: AppMetrics;
  /** Payment requests issued at the same moment, stored in one INSERT (src/payment-requests/request-inserter.ts). */
  requestInserter: RequestInserter;
  /** Payees looked up at the same moment, read in one query (src/payees/loader.ts). */
  payeeLoader: PayeeLoader;
};

export type DepsOptions = {
  logger?: Logger;
  clock?: Clock;
  /** Redis key prefix for BullMQ: tests give each file its own. */
  queuePrefix?: string;
};

export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.LOG_LEVEL,
      // Database errors carry the statement's values (personal data): logged without them.
      serializers: { err: safeError },
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
    },
    destination,
  );
}

export async function createDeps(config: Config, options: DepsOptions = {}): Promise<AppDeps> {
  const logger = options.logger ?? createLogger(config);
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolSize: config.DB_POOL_SIZE,
  });
  const jobs = config.REDIS_URL
    ? createBullQueue({ url: config.REDIS_URL, prefix: options.queuePrefix ?? config.BULLMQ_PREFIX, logger })
    : createInProcessQueue(logger);
  return {
    config,
    database,
    db: database.db,
    jobs,
    logger,
    clock: options.clock ?? systemClock,
    qrImages: createQrImageCache(),
    requestInserter: createRequestInserter(database.db),
    payeeLoader: createPayeeLoader(database.db),
    metrics: createMetrics({ db: database.db, jobs, logger, jobNames: allJobs.map((j) => j.name) }),
    rateLimits: createRateLimits(config, { logger, prefix: options.queuePrefix ?? config.BULLMQ_PREFIX }),
  };
}

export async function closeDeps(deps: AppDeps): Promise<void> {
  await deps.jobs.close();
  await deps.rateLimits.close();
  await deps.database.close();
}
