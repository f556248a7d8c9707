/**
 * What the k6 scripts share: configuration from the environment (k6 run -e NAME=value, or the shell
 * environment with --include-system-env-vars) and HMAC through k6/crypto for the callback formats.
 */
import { hmac } from 'k6/crypto';

/** A required environment variable; the script stops at init with a clear message when it is missing. */
export function env(name, fallback) {
  const value = __ENV[name];
  if (value !== undefined && value !== '') return value;
  if (fallback !== undefined) return fallback;
  throw new Error(`set ${name} (k6 run -e ${name}=...)`);
}

export const numberEnv = (name, fallback) => Number(env(name, String(fallback)));

/** BASE_URL without a trailing slash, e.g. http://127.0.0.1:3000 */
export const baseUrl = () => env('BASE_URL', 'http://127.0.0.1:3000').replace(/\/+$/, '');

export function bearer(key) {
  return { Authorization: `Bearer ${key}` };
}

/** (algorithm, key, message) → hex, the signature helper formats.js expects. */
export function hmacHex(algorithm, key, message) {
  return hmac(algorithm, key, message, 'hex');
}

/** A comma-separated list from the environment ('' → []). */
export function listEnv(name) {
  return env(name, '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
