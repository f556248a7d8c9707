import { z } from 'zod';

const flag = z
  .enum(['0', '1', 'true', 'false'])
  .transform((v) => v === '1' || v === 'true')
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
  GENERIC_WEBHOOK_SECRET: z.string().min(16).optional(),
  SEPAY_API_KEY: z.string().min(8).optional(),
  /** SePay's HMAC-SHA256 signing secret, when the webhook is set to sign instead of (or as well as) an API key. */
  SEPAY_WEBHOOK_SECRET: z.string().min(16).optional(),
  PAYOS_CHECKSUM_KEY: z.string().min(16).optional(),
  CASSO_WEBHOOK_SECRET: z.string().min(16).optional(),
});

export type Config = Omit<z.infer<typeof envSchema>, 'DEMO'> & { DEMO: boolean };

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
  const { DEMO, ...rest } = parsed.data;
  return { ...rest, DEMO: DEMO ?? rest.DATABASE_URL === undefined };
}
