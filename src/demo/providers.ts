/**
 * A bank credit as each provider's webhook delivers it (shared/providers/, and the adapters in
 * src/callbacks/ with the providers' documentation they cite), signed the way that provider signs:
 * SePay with its API key (or HMAC), payOS with the checksum of its sorted `data`, Casso with
 * `X-Casso-Signature` over the sorted body, our generic format with `X-Signature`. The body is built once
 * (a provider's retry sends the same bytes); the signature is made at sending time, since Casso and the
 * generic format sign a timestamp that must be within 300 s of the server's clock.
 */
import { cassoSignedString } from '../callbacks/casso.js';
import { payosSignedString } from '../callbacks/payos.js';
import { hmacHex } from '../callbacks/signing.js';
import { findBank } from '../vietqr/banks.js';
import type { Account, Provider } from './model.js';

export type CallbackSecrets = {
  GENERIC_WEBHOOK_SECRET?: string;
  SEPAY_API_KEY?: string;
  SEPAY_WEBHOOK_SECRET?: string;
  PAYOS_CHECKSUM_KEY?: string;
  CASSO_WEBHOOK_SECRET?: string;
};

export type CreditMessage = {
  provider: Provider;
  /** The month's serial of the credit: every provider id derives from it. */
  n: number;
  /** Distinguishes months: ids must not repeat across simulated months. */
  idBase: number;
  account: { bin: string; number: string; holder: string };
  amount: number;
  memo: string;
  at: Date;
  bankRef: string;
  payer: Account;
};

export type CallbackBody = { provider: Provider; body: string };

/** "YYYY-MM-DD HH:mm:ss" in Vietnam time, as SePay, payOS and Casso write it. */
export function vnDateTime(at: Date): string {
  return new Date(at.getTime() + 7 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** The webhook body (exact bytes) for one credit. */
export function callbackBody(m: CreditMessage): CallbackBody {
  const id = m.idBase + m.n;
  const bank = findBank(m.account.bin);
  const payerBank = findBank(m.payer.bin);
  switch (m.provider) {
    case 'sepay':
      return {
        provider: 'sepay',
        body: JSON.stringify({
          id,
          gateway: bank?.shortName ?? 'Vietcombank',
          transactionDate: vnDateTime(m.at),
          accountNumber: m.account.number,
          code: null,
          content: m.memo,
          transferType: 'in',
          transferAmount: m.amount,
          accumulated: 0,
          subAccount: null,
          referenceCode: m.bankRef,
          description: `BankAPINotify ${m.memo}`,
        }),
      };
    case 'payos': {
      const data = {
        orderCode: id,
        amount: m.amount,
        description: m.memo,
        accountNumber: m.account.number,
        reference: m.bankRef,
        transactionDateTime: vnDateTime(m.at),
        currency: 'VND',
        paymentLinkId: '',
        code: '00',
        desc: 'success',
        counterAccountBankId: m.payer.bin,
        counterAccountBankName: payerBank?.shortName ?? '',
        counterAccountName: m.payer.holder,
        counterAccountNumber: m.payer.number,
        virtualAccountName: '',
        virtualAccountNumber: '',
      };
      // The signature is of `data` alone and has no timestamp, so it is part of the body.
      return {
        provider: 'payos',
        body: JSON.stringify({ code: '00', desc: 'success', success: true, data, signature: '' }),
      };
    }
    case 'casso':
      return {
        provider: 'casso',
        body: JSON.stringify({
          error: 0,
          data: {
            id,
            reference: m.bankRef,
            description: m.memo,
            amount: m.amount,
            runningBalance: 0,
            transactionDateTime: vnDateTime(m.at),
            accountNumber: m.account.number,
            bankName: bank?.shortName ?? '',
            bankAbbreviation: bank?.code ?? '',
            virtualAccountNumber: '',
            virtualAccountName: '',
            counterAccountName: m.payer.holder,
            counterAccountNumber: m.payer.number,
            counterAccountBankId: m.payer.bin,
            counterAccountBankName: payerBank?.shortName ?? '',
          },
        }),
      };
    case 'generic':
      return {
        provider: 'generic',
        body: JSON.stringify({
          id: `GW${id}`,
          accountNumber: m.account.number,
          amount: m.amount,
          description: m.memo,
          bookedAt: m.at.toISOString(),
          counterpartyAccount: m.payer.number,
          counterpartyName: m.payer.holder,
        }),
      };
  }
}

/** Signs a body for sending now: the headers to send (payOS: the signed body itself changes). */
export function signCallback(
  cb: CallbackBody,
  secrets: CallbackSecrets,
  now: Date,
): { body: string; headers: Record<string, string> } {
  const seconds = Math.floor(now.getTime() / 1000);
  switch (cb.provider) {
    case 'sepay': {
      if (secrets.SEPAY_API_KEY)
        return { body: cb.body, headers: { authorization: `Apikey ${secrets.SEPAY_API_KEY}` } };
      const t = String(seconds);
      const v = hmacHex(
        'sha256',
        need(secrets.SEPAY_WEBHOOK_SECRET, 'SEPAY_API_KEY or SEPAY_WEBHOOK_SECRET'),
        `${t}.${cb.body}`,
      );
      return { body: cb.body, headers: { 'x-sepay-timestamp': t, 'x-sepay-signature': `sha256=${v}` } };
    }
    case 'payos': {
      const parsed = JSON.parse(cb.body) as { data: Record<string, unknown> };
      const signature = hmacHex(
        'sha256',
        need(secrets.PAYOS_CHECKSUM_KEY, 'PAYOS_CHECKSUM_KEY'),
        payosSignedString(parsed.data),
      );
      return { body: JSON.stringify({ ...parsed, signature }), headers: {} };
    }
    case 'casso': {
      const t = String(now.getTime());
      const v1 = hmacHex(
        'sha512',
        need(secrets.CASSO_WEBHOOK_SECRET, 'CASSO_WEBHOOK_SECRET'),
        cassoSignedString(t, JSON.parse(cb.body)),
      );
      return { body: cb.body, headers: { 'x-casso-signature': `t=${t},v1=${v1}` } };
    }
    case 'generic': {
      const t = String(seconds);
      const v1 = hmacHex(
        'sha256',
        need(secrets.GENERIC_WEBHOOK_SECRET, 'GENERIC_WEBHOOK_SECRET'),
        `${t}.${cb.body}`,
      );
      return { body: cb.body, headers: { 'x-signature': `t=${t},v1=${v1}` } };
    }
  }
}

function need(value: string | undefined, name: string): string {
  if (!value) throw new Error(`No ${name}: the simulation cannot sign this provider's callbacks`);
  return value;
}
