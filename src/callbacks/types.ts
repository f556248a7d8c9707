import type { Config } from '../config.js';

/** What an adapter makes of one provider callback: one normalized bank movement. */
export type NormalizedCredit = {
  /** The provider's id for this event: the dedupe key with the provider's name. */
  providerEventId: string;
  direction: 'in' | 'out';
  /** The receiving account (or virtual account) number. */
  accountNumber: string;
  bankBin?: string;
  /** Whole VND, positive. */
  amount: number;
  memo: string;
  /** ISO 8601 instant. */
  bookedAt: string;
  counterpartyAccount?: string;
  counterpartyName?: string;
  counterpartyBankBin?: string;
  bankReference?: string;
  virtualAccount?: string;
  /** Set when the event is stored but is not a credit to reconcile (an outgoing transfer, a failed payment). */
  ignoreReason?: string;
};

export type VerifyInput = {
  raw: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
  header(name: string): string | undefined;
  now: Date;
  config: Config;
};

export type VerifyResult = { ok: true } | { ok: false; status: 400 | 401; reason: string };
export type ParseResult = { ok: true; credit: NormalizedCredit } | { ok: false; reason: string };

/**
 * One provider's callback format. Adding a provider = one file exporting one of these, listed in
 * `registry.ts`, plus its tests.
 */
export type CallbackAdapter = {
  name: string;
  /** False when the provider's secret is not configured: the route answers 503 and accepts nothing. */
  configured(config: Config): boolean;
  verify(input: VerifyInput): VerifyResult;
  parse(json: unknown): ParseResult;
  /** What the provider expects back when we took the event (a repeat gets the same). */
  success: { status: 200 | 201; body: unknown };
};
