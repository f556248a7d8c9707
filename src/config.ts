import { z } from 'zod';

const flag = z
  .enum(['0', '1', 'true', 'false'])
  .transform((v) => v === '1' || v === 'true')
  .optional();

/**
 * A provider secret. During a rotation it may list two (or more), comma-separated — the new one first,
 * the old one until the provider signs with the new — each at least `min` characters.
 */
const secret = (min: number) =>
  z
    .string()
    .refine(
      (v) => v.split(',').every((s) => s.trim().length >= min),
      `each comma-separated secret must be at least ${min} characters`,
    )
    .optional();

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .optional(),
  DEMO: flag,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Which background parts this process runs: `api`, `worker`, or both (the default, for small setups). */
  ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Redis key prefix of the job queues (and rate limits): one per deployment sharing a Redis. */
  BULLMQ_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "_", "." or "-"')
    .default('cc'),
  GENERIC_WEBHOOK_SECRET: secret(16),
  SEPAY_API_KEY: secret(8),
  /** SePay's HMAC-SHA256 signing secret, when the webhook is set to sign instead of (or as well as) an API key. */
  SEPAY_WEBHOOK_SECRET: secret(16),
  PAYOS_CHECKSUM_KEY: secret(16),
  CASSO_WEBHOOK_SECRET: secret(16),
  /** A bearer token Prometheus presents to scrape GET /metrics (an admin API key works too). */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** Behind a reverse proxy: take the client IP (for rate limits) from the last X-Forwarded-For hop. */
  TRUST_PROXY: flag,
  /** Failed authentications (API key or callback signature) per client IP per minute before it is blocked; 0 = off. */
  RATE_LIMIT_AUTH_FAILURES: z.coerce.number().int().min(0).default(60),
  /** How long an IP over the failure limit is blocked, in seconds. */
  RATE_LIMIT_AUTH_BLOCK_S: z.coerce.number().int().min(1).default(300),
  /** Requests per second per API key (averaged over 10 s, per API process); 0 = off. */
  RATE_LIMIT_KEY_PER_S: z.coerce.number().int().min(0).default(5000),
  /** Callbacks per second per client IP (averaged over 10 s, per API process); 0 = off. */
  RATE_LIMIT_CALLBACKS_PER_S: z.coerce.number().int().min(0).default(20000),
});

export type Config = Omit<z.infer<typeof envSchema>, 'DEMO' | 'TRUST_PROXY'> & {
  DEMO: boolean;
  TRUST_PROXY: boolean;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads configuration from the environment; a bad variable is named in the error so the operator can fix it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings in the environment mean "unset" (as docker/systemd files often leave them).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const { DEMO, TRUST_PROXY, ...rest } = parsed.data;
  return { ...rest, DEMO: DEMO ?? rest.DATABASE_URL === undefined, TRUST_PROXY: TRUST_PROXY ?? false };
}
