// Types of formats.js (plain JavaScript so k6 can load it as is).
export type Format = 'generic' | 'sepay' | 'sepay-hmac' | 'payos' | 'casso';
export type HmacHex = (algorithm: 'sha256' | 'sha512', key: string, message: string) => string;
export type Credit = {
  id: number;
  accountNumber: string;
  amount: number;
  memo: string;
  counterpartyAccount?: string;
};
export type Secrets = {
  GENERIC_WEBHOOK_SECRET: string;
  SEPAY_API_KEY: string;
  SEPAY_WEBHOOK_SECRET: string;
  PAYOS_CHECKSUM_KEY: string;
  CASSO_WEBHOOK_SECRET: string;
};
export type World = {
  idBase: number;
  requests: { reference: string; amount: number; accountNumber: string }[];
  stalls: string[];
};
export type SignedCallback = { path: string; body: string; headers: Record<string, string> };

export const PROVIDERS: Format[];
export function routeOf(format: Format): string;
export function vnLocal(ms: number): string;
export function payosSignedString(data: Record<string, unknown>): string;
export function sortDeep(value: unknown): unknown;
export function buildCallback(
  format: Format,
  credit: Credit,
  secrets: Secrets,
  hmacHex: HmacHex,
  nowMs: number,
): SignedCallback;
export function callbackFor(i: number, world: World, formats?: Format[]): { format: Format; credit: Credit };
