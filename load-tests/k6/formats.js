/**
 * Callback bodies and signatures of every provider format, as the providers send them. Plain JavaScript
 * with no k6 or Node import, so the k6 scripts (through lib.js, with k6/crypto) and the Node bench
 * (load-tests/bench.ts, with node:crypto) build exactly the same requests. The recipes are those of the
 * adapters in src/callbacks/ (each file cites the provider's documentation); a unit test
 * (test/unit/bench/formats.test.ts) checks that what is built here passes those adapters' verify().
 *
 * `hmacHex(algorithm, key, message)` is passed in: 'sha256' | 'sha512', hex digest of the UTF-8 message.
 */

/** The provider formats a callback load cycles through (sepay twice: API key, and HMAC signing). */
export const PROVIDERS = ['generic', 'sepay', 'sepay-hmac', 'payos', 'casso'];

/** The route a format posts to. */
export function routeOf(format) {
  return format === 'sepay-hmac' ? 'sepay' : format;
}

/** "YYYY-MM-DD HH:mm:ss" in Vietnam local time (UTC+7 all year) for an instant in ms. */
export function vnLocal(ms) {
  return new Date(ms + 7 * 3600000).toISOString().slice(0, 19).replace('T', ' ');
}

/** payOS signs `data` sorted by key as key=value&… with null/undefined as '' (src/callbacks/payos.ts). */
export function payosSignedString(data) {
  return Object.keys(data)
    .sort()
    .map((key) => {
      let value = data[key];
      if (value !== null && typeof value === 'object') value = JSON.stringify(sortDeep(value));
      if (value === null || value === undefined || value === 'null' || value === 'undefined') value = '';
      return `${key}=${value}`;
    })
    .join('&');
}

/** Every object's keys sorted, recursively (Casso signs the JSON of the body in this form). */
export function sortDeep(value) {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const k of Object.keys(value).sort()) out[k] = sortDeep(value[k]);
  return out;
}

/**
 * One signed callback.
 * credit: { id: a positive integer unique per provider, accountNumber, amount, memo, counterpartyAccount? }
 * secrets: { GENERIC_WEBHOOK_SECRET, SEPAY_API_KEY, SEPAY_WEBHOOK_SECRET, PAYOS_CHECKSUM_KEY, CASSO_WEBHOOK_SECRET }
 * nowMs: the signing time (the providers with a timestamp are refused more than 300 s from it).
 * Returns { path, body, headers } ready to POST.
 */
export function buildCallback(format, credit, secrets, hmacHex, nowMs) {
  const headers = { 'content-type': 'application/json' };
  const t = Math.floor(nowMs / 1000);
  const local = vnLocal(nowMs);
  let body;
  switch (format) {
    case 'generic': {
      const fields = {
        id: `g${credit.id}`,
        accountNumber: credit.accountNumber,
        amount: credit.amount,
        description: credit.memo,
        bookedAt: new Date(nowMs).toISOString(),
      };
      if (credit.counterpartyAccount) fields.counterpartyAccount = credit.counterpartyAccount;
      body = JSON.stringify(fields);
      headers['x-signature'] =
        `t=${t},v1=${hmacHex('sha256', secrets.GENERIC_WEBHOOK_SECRET, `${t}.${body}`)}`;
      break;
    }
    case 'sepay':
    case 'sepay-hmac': {
      body = JSON.stringify({
        id: credit.id,
        gateway: 'Vietcombank',
        transactionDate: local,
        accountNumber: credit.accountNumber,
        code: null,
        content: credit.memo,
        transferType: 'in',
        transferAmount: credit.amount,
        accumulated: 19077000,
        subAccount: null,
        referenceCode: `MBVCB.${credit.id}`,
        description: `BankAPINotify ${credit.memo}`,
      });
      if (format === 'sepay') {
        headers.authorization = `Apikey ${secrets.SEPAY_API_KEY}`;
      } else {
        headers['x-sepay-timestamp'] = String(t);
        headers['x-sepay-signature'] =
          `sha256=${hmacHex('sha256', secrets.SEPAY_WEBHOOK_SECRET, `${t}.${body}`)}`;
      }
      break;
    }
    case 'payos': {
      const data = {
        orderCode: credit.id,
        amount: credit.amount,
        description: credit.memo,
        accountNumber: credit.accountNumber,
        reference: `FT${credit.id}`,
        transactionDateTime: local,
        currency: 'VND',
        paymentLinkId: 'bench',
        code: '00',
        desc: 'Thành công',
        counterAccountBankId: credit.counterpartyAccount ? '970415' : '',
        counterAccountBankName: '',
        counterAccountName: credit.counterpartyAccount ? 'NGUYEN VAN A' : '',
        counterAccountNumber: credit.counterpartyAccount || '',
        virtualAccountName: '',
        virtualAccountNumber: '',
      };
      const signature = hmacHex('sha256', secrets.PAYOS_CHECKSUM_KEY, payosSignedString(data));
      body = JSON.stringify({ code: '00', desc: 'success', success: true, data, signature });
      break;
    }
    case 'casso': {
      const parsed = {
        error: 0,
        data: {
          id: credit.id,
          reference: `FT${credit.id}`,
          description: credit.memo,
          amount: credit.amount,
          runningBalance: 25000000,
          transactionDateTime: local,
          accountNumber: credit.accountNumber,
          bankName: 'VPBank',
          bankAbbreviation: 'VPB',
          virtualAccountNumber: '',
          virtualAccountName: '',
          counterAccountName: credit.counterpartyAccount ? 'NGUYEN VAN A' : '',
          counterAccountNumber: credit.counterpartyAccount || '',
          counterAccountBankId: credit.counterpartyAccount ? '970415' : '',
          counterAccountBankName: '',
        },
      };
      body = JSON.stringify(parsed);
      const tMs = String(Math.floor(nowMs));
      const v1 = hmacHex(
        'sha512',
        secrets.CASSO_WEBHOOK_SECRET,
        `${tMs}.${JSON.stringify(sortDeep(parsed))}`,
      );
      headers['x-casso-signature'] = `t=${tMs},v1=${v1}`;
      break;
    }
    default:
      throw new Error(`unknown callback format ${format}`);
  }
  return { path: `/v1/callbacks/${routeOf(format)}`, body, headers };
}

/**
 * The i-th callback of a load: which format sends it, and the credit it reports. Half are payments of
 * issued requests (their reference code in a memo as banks rewrite it), 40% market sales to a stall's
 * account, 10% transfers nobody can match. Each receiving account and each request is always reported
 * by the same provider (a stall's bank uses one aggregator), so no two distinct credits look like one
 * credit reported by two channels (src/transactions/fingerprint.ts would rightly merge those).
 * world: { requests: [{ reference, amount, accountNumber }], stalls: [accountNumber], idBase }
 * formats: the formats in use (default PROVIDERS).
 */
export function callbackFor(i, world, formats) {
  const fs = formats || PROVIDERS;
  const id = world.idBase + i;
  const kind = i % 10;
  if (kind < 5 && world.requests.length > 0) {
    const n = (i * 7919) % world.requests.length;
    const r = world.requests[n];
    const memo =
      kind % 2 === 0
        ? `MBVCB.${id}.${r.reference} NGUYEN VAN A chuyen tien`
        : `IBFT Thanh toan hoc phi ${r.reference.toLowerCase()}-CTLNHIDI${id}`;
    // Paid in two halves: partial, then paid; a request paid more often than that is a duplicate.
    return {
      format: fs[n % fs.length],
      credit: { id, accountNumber: r.accountNumber, amount: Math.ceil(r.amount / 2), memo },
    };
  }
  if (kind < 9 && world.stalls.length > 0) {
    const n = (i * 104729) % world.stalls.length;
    return {
      format: fs[n % fs.length],
      credit: {
        id,
        accountNumber: world.stalls[n],
        amount: 10000 + (i % 50) * 1000,
        memo: 'NGUYEN VAN B chuyen tien',
        counterpartyAccount: `0${(100000000 + (i % 20000)).toString()}`,
      },
    };
  }
  const f = i % fs.length;
  return {
    format: fs[f],
    credit: { id, accountNumber: `99999999${f}`, amount: 50000, memo: `ung ho quy ${i % 97}` },
  };
}
