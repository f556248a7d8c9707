/**
 * Callback secrets for the demo. A provider adapter refuses everything until its secret is configured
 * (503), so a demo started with nothing configured could not take the simulation's callbacks. With
 * DEMO=1, on a database that holds the demo commune, every provider secret left unset gets a random one,
 * generated once and kept in DATA_DIR/demo-secrets.json (mode 0600), where `npm run demo:simulate`
 * reads it to sign its callbacks. Configured secrets always win. Random rather than fixed, so a
 * demo left running somewhere does not accept callbacks signed with a secret printed in a README.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { AppDeps } from '../deps.js';
import { getUnit } from '../units/store.js';
import { DEMO_COMMUNE } from './model.js';
import type { CallbackSecrets } from './providers.js';

export const secretNames = [
  'GENERIC_WEBHOOK_SECRET',
  'SEPAY_API_KEY',
  'PAYOS_CHECKSUM_KEY',
  'CASSO_WEBHOOK_SECRET',
] as const satisfies readonly (keyof CallbackSecrets)[];

export const demoSecretsFile = (dataDir: string) => join(dataDir, 'demo-secrets.json');

/** The secrets configured in `config`. */
export function configuredSecrets(config: Config): CallbackSecrets {
  return {
    GENERIC_WEBHOOK_SECRET: config.GENERIC_WEBHOOK_SECRET,
    SEPAY_API_KEY: config.SEPAY_API_KEY,
    SEPAY_WEBHOOK_SECRET: config.SEPAY_WEBHOOK_SECRET,
    PAYOS_CHECKSUM_KEY: config.PAYOS_CHECKSUM_KEY,
    CASSO_WEBHOOK_SECRET: config.CASSO_WEBHOOK_SECRET,
  };
}

/** The demo secrets kept in DATA_DIR, if any. */
export async function readDemoSecrets(dataDir: string): Promise<CallbackSecrets | undefined> {
  try {
    return JSON.parse(await readFile(demoSecretsFile(dataDir), 'utf8')) as CallbackSecrets;
  } catch {
    return undefined;
  }
}

/** What a sender must sign with: configured secrets first, then the demo's for the rest. */
export function mergeSecrets(
  configured: CallbackSecrets,
  demo: CallbackSecrets | undefined,
): CallbackSecrets {
  const out: CallbackSecrets = { ...configured };
  for (const name of secretNames) out[name] ??= demo?.[name];
  return out;
}

/**
 * With DEMO=1 and the demo commune in the database: fills every unset provider secret in `deps.config`
 * with the demo's (created on first use). Does nothing otherwise.
 */
export async function applyDemoSecrets(deps: AppDeps): Promise<void> {
  if (!deps.config.DEMO) return;
  if (secretNames.every((n) => deps.config[n] !== undefined)) return;
  if (!(await getUnit(deps.db, DEMO_COMMUNE.code))) return;
  let demo = await readDemoSecrets(deps.config.DATA_DIR);
  if (!demo || secretNames.some((n) => !demo![n])) {
    demo = Object.fromEntries(secretNames.map((n) => [n, `demo-${randomBytes(24).toString('hex')}`]));
    await mkdir(deps.config.DATA_DIR, { recursive: true });
    await writeFile(demoSecretsFile(deps.config.DATA_DIR), `${JSON.stringify(demo, null, 2)}\n`, {
      mode: 0o600,
    });
  }
  const filled = secretNames.filter((n) => deps.config[n] === undefined);
  deps.config = { ...deps.config, ...Object.fromEntries(filled.map((n) => [n, demo![n]])) };
  deps.logger.warn(
    { providers: filled, file: demoSecretsFile(deps.config.DATA_DIR) },
    'demo: callback secrets not configured, using generated demo secrets (configure real ones before going live)',
  );
}
