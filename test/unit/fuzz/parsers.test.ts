// Fuzzing the parsers that read what outsiders send: anything in, a result or the parser's own error
// out — never another exception, never a hang. (Round-trip and vector tests live beside each parser.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adapters } from '../../../src/callbacks/registry.js';
import { parseTimestampedSignature, vietnamLocalToIso } from '../../../src/callbacks/signing.js';
import { loadConfig } from '../../../src/config.js';
import { safeError } from '../../../src/observability/log.js';
import { CsvError, parseFeeCsv } from '../../../src/payment-requests/csv.js';
import { parseCamt053 } from '../../../src/statements/camt053.js';
import { parseStatementCsv } from '../../../src/statements/csv.js';
import { parseStatement } from '../../../src/statements/import.js';
import { parseBankDate, parseVnd, StatementError } from '../../../src/statements/line.js';
import { isTransactionAmount } from '../../../src/transactions/amount.js';
import { extractReferenceCodes } from '../../../src/vietqr/memo.js';
import { decodeVietQr } from '../../../src/vietqr/payload.js';
import { isValidReferenceCode } from '../../../src/vietqr/reference-code.js';

const runs = { numRuns: 300 };

/** Text as outsiders send it: any unicode, control characters, lone surrogates, very long runs. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({
    unit: fc.constantFrom(
      '0',
      '1',
      '9',
      ',',
      '.',
      ';',
      '"',
      '\n',
      '\r',
      ' ',
      '-',
      'A',
      'Đ',
      'ơ',
      '\u0000',
      '\uFEFF',
    ),
    maxLength: 400,
  }),
  fc.nat({ max: 5_000 }).map((n) => 'A'.repeat(n)),
);

/** Only the parser's own error is allowed out. */
function onlyThrows<T>(errorClass: new (...a: never[]) => Error, f: () => T): T | undefined {
  try {
    return f();
  } catch (err) {
    expect(err, String((err as Error)?.stack)).toBeInstanceOf(errorClass);
    return undefined;
  }
}

describe('memo extraction', () => {
  it('never throws and only ever returns valid reference codes', () => {
    fc.assert(
      fc.property(anyText, (memo) => {
        const codes = extractReferenceCodes(memo);
        expect(Array.isArray(codes)).toBe(true);
        for (const c of codes) expect(isValidReferenceCode(c)).toBe(true);
      }),
      runs,
    );
  });

  it('stays fast on a hostile memo (no catastrophic backtracking)', () => {
    // A run of separators with no interbank trailer after it, and a memo of thousands of codes, were
    // quadratic (minutes for 100 kB): a statement line's memo has no length limit.
    const code = 'CCJC9X5FA6';
    const hostile = [
      'A1'.repeat(50_000),
      `${'A '.repeat(50_000)}!`,
      `${'-'.repeat(100_000)}X`,
      `${'. '.repeat(50_000)}CTLNHIDI`,
      'Đ'.repeat(100_000),
      code.repeat(10_000),
      'C'.repeat(100_000),
    ];
    for (const memo of hostile) {
      const started = performance.now();
      extractReferenceCodes(memo);
      expect(performance.now() - started).toBeLessThan(2_000);
    }
  });
});

describe('VietQR decoder', () => {
  // TLV-shaped input: right-looking tags and lengths with wrong contents, lengths past the end, nesting.
  const tlv = fc
    .array(
      fc.tuple(
        fc.integer({ min: 0, max: 99 }),
        fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 10 })),
        fc.integer({ min: -3, max: 3 }),
      ),
      { maxLength: 12 },
    )
    .map((fields) =>
      fields
        .map(([tag, value, skew]) => {
          const len = Math.max(0, Math.min(99, value.length + skew));
          return `${String(tag).padStart(2, '0')}${String(len).padStart(2, '0')}${value}`;
        })
        .join(''),
    );

  it('answers ok or a reason for any input, TLV-shaped or not, never throwing', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyText,
          tlv,
          tlv.map((s) => `000201${s}6304ABCD`),
        ),
        (payload) => {
          const r = decodeVietQr(payload);
          expect(typeof r.ok).toBe('boolean');
          if (!r.ok) expect(typeof r.reason).toBe('string');
        },
      ),
      runs,
    );
  });
});

describe('bank statements', () => {
  const cell = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.integer().map(String),
    fc.double().map(String),
    fc.constantFrom(
      '',
      '"',
      '1,000',
      '1.000.000',
      '-5',
      '01/02/2026',
      '31/02/2026 25:61:61',
      '9'.repeat(40),
      'NaN',
      'Infinity',
      '1e308',
    ),
  );
  const header = fc.constantFrom(
    'STT,Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Số dư,Mô tả',
    'Date,Reference,Debit,Credit,Balance,Description',
    'Ngày;Nội dung;Ghi có',
  );
  const csv = fc
    .tuple(header, fc.array(fc.array(cell, { maxLength: 8 }), { maxLength: 20 }), fc.constantFrom(',', ';'))
    .map(([h, rows, sep]) => [h.replaceAll(',', sep), ...rows.map((r) => r.join(sep))].join('\n'));

  it('CSV: a statement or a StatementError, whatever the cells', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, csv), (text) => {
        const parsed = onlyThrows(StatementError, () => parseStatementCsv(text));
        for (const line of parsed?.lines ?? []) {
          expect(isTransactionAmount(line.amount)).toBe(true);
          expect(Number.isNaN(line.bookedAt.getTime())).toBe(false);
        }
      }),
      runs,
    );
  });

  const xmlText = fc.string({
    unit: fc.constantFrom('a', '1', '<', '>', '&', ';', '"', ' ', 'Đ'),
    maxLength: 30,
  });
  const entry = fc
    .record({
      amt: fc.oneof(fc.integer().map(String), fc.double().map(String), xmlText),
      ccy: fc.constantFrom('VND', 'USD', '', '"><x'),
      ind: fc.constantFrom('CRDT', 'DBIT', 'X'),
      sts: fc.constantFrom('BOOK', 'PDNG', '<Cd>BOOK</Cd>'),
      dt: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        xmlText,
      ),
      memo: xmlText,
    })
    .map(
      (e) =>
        `<Ntry><Amt Ccy="${e.ccy}">${e.amt}</Amt><CdtDbtInd>${e.ind}</CdtDbtInd><Sts>${e.sts}</Sts><BookgDt><DtTm>${e.dt}</DtTm></BookgDt><NtryDtls><TxDtls><RmtInf><Ustrd>${e.memo}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>`,
    );
  const camt = fc
    .tuple(fc.array(entry, { maxLength: 10 }), fc.constantFrom('123456', '', '<', '&amp;'))
    .map(
      ([entries, acct]) =>
        `<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt><Acct><Id><Othr><Id>${acct}</Id></Othr></Id></Acct>${entries.join('')}</Stmt></BkToCstmrStmt></Document>`,
    );

  it('CSV: a large file is read in linear time', () => {
    const rows = Array.from(
      { length: 20_000 },
      (_, i) => `${i},01/02/2026 10:00:00,FT${i},,"1,000","1,000",${'-'.repeat(i % 50)}memo ${i}`,
    );
    const big = ['STT,Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Số dư,Mô tả', ...rows].join(
      '\n',
    );
    for (const text of [big, 'A'.repeat(300_000), `"${'x'.repeat(300_000)}`]) {
      const started = performance.now();
      onlyThrows(StatementError, () => parseStatementCsv(text));
      expect(performance.now() - started).toBeLessThan(10_000);
    }
  });

  it('camt.053: a statement or a StatementError, whatever the XML', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, camt), (xml) => {
        const parsed = onlyThrows(StatementError, () => parseCamt053(xml));
        for (const line of parsed?.lines ?? []) expect(isTransactionAmount(line.amount)).toBe(true);
      }),
      runs,
    );
  });

  it('camt.053: entity expansion ("billion laughs") and deep nesting neither hang nor blow up', () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from(
      { length: 9 },
      (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
    ).join(
      '',
    )}]><Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy="VND">&lol9;</Amt></Ntry></Stmt></BkToCstmrStmt></Document>`;
    const deep = `${'<a>'.repeat(20_000)}x${'</a>'.repeat(20_000)}`;
    for (const xml of [laughs, deep]) {
      const started = performance.now();
      onlyThrows(StatementError, () => parseCamt053(xml));
      expect(performance.now() - started).toBeLessThan(5_000);
    }
  });

  it('the content-type dispatcher refuses what it cannot read with a StatementError', () => {
    fc.assert(
      fc.property(
        anyText,
        fc.constantFrom('text/csv', 'application/xml', 'text/xml', 'application/json', ''),
        (s, type) => {
          onlyThrows(StatementError, () => parseStatement(s, type));
        },
      ),
      runs,
    );
  });

  it('amounts and dates: a value or undefined, never an exception or a fraction', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const n = parseVnd(s);
        if (n !== undefined) expect(Number.isSafeInteger(n)).toBe(true);
        const d = parseBankDate(s);
        if (d) expect(Number.isNaN(d.at.getTime())).toBe(false);
      }),
      runs,
    );
  });
});

describe('fee list CSV upload', () => {
  it('any bytes (broken UTF-8, UTF-16, BOMs, NULs): rows or a CsvError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }),
          anyText.map((s) => new TextEncoder().encode(s)),
          fc
            .array(fc.array(fc.string({ maxLength: 12 }), { maxLength: 8 }), { maxLength: 12 })
            .map((rows) =>
              new TextEncoder().encode(
                ['amount,category,payerRef,householdCode', ...rows.map((r) => r.join(','))].join('\n'),
              ),
            ),
        ),
        (bytes) => {
          onlyThrows(CsvError, () => parseFeeCsv(bytes));
        },
      ),
      runs,
    );
  });
});

describe('callback adapters', () => {
  const config = loadConfig({
    GENERIC_WEBHOOK_SECRET: 'generic-fuzz-secret-0123456789',
    SEPAY_API_KEY: 'sepay-fuzz-key-0123',
    SEPAY_WEBHOOK_SECRET: 'sepay-fuzz-secret-0123456789',
    PAYOS_CHECKSUM_KEY: 'payos-fuzz-checksum-0123456789',
    CASSO_WEBHOOK_SECRET: 'casso-fuzz-secret-0123456789',
  });
  // JSON as a hostile sender writes it: deep objects, huge and odd numbers, prototype keys.
  const nasty = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.string({ maxLength: 30 }),
      fc.constantFrom(
        0,
        -1,
        1e21,
        -1e308,
        2 ** 53 + 1,
        0.5,
        Number.MAX_SAFE_INTEGER,
        null,
        true,
        '',
        '__proto__',
      ),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(
        fc.oneof(
          fc.string({ maxLength: 12 }),
          fc.constantFrom('__proto__', 'constructor', 'prototype', 'data', 'id', 'amount'),
        ),
        tie('value'),
        { maxKeys: 6 },
      ),
    ),
  })).value;
  const headers = fc.dictionary(
    fc.constantFrom(
      'x-signature',
      'x-sepay-signature',
      'x-sepay-timestamp',
      'x-casso-signature',
      'authorization',
    ),
    fc.oneof(anyText, fc.constantFrom('t=1,v1=', 't=99999999999999999,v1=ab', 'Apikey ', 't=,v1=,v1=')),
  );

  it.each(adapters.map((a) => [a.name, a] as const))(
    '%s: verify and parse answer for any body and headers',
    (_, adapter) => {
      fc.assert(
        fc.property(nasty, anyText, headers, (json, raw, h) => {
          const verified = adapter.verify({ raw, json, header: (n) => h[n], now: new Date(), config });
          expect(typeof verified.ok).toBe('boolean');
          const parsed = adapter.parse(json);
          if (parsed.ok) {
            expect(Number.isSafeInteger(parsed.credit.amount) && parsed.credit.amount > 0).toBe(true);
            expect(Number.isNaN(Date.parse(parsed.credit.bookedAt))).toBe(false);
          } else {
            expect(typeof parsed.reason).toBe('string');
          }
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        }),
        runs,
      );
    },
  );

  it('signature headers and provider times: parsed or refused, never thrown', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        parseTimestampedSignature(s);
        const iso = vietnamLocalToIso(s);
        if (iso) expect(Number.isNaN(Date.parse(iso))).toBe(false);
      }),
      runs,
    );
  });
});

describe('the log error serializer', () => {
  it('handles any thrown value, cyclic causes included', () => {
    const cyclic = new Error('a') as Error & { cause?: unknown };
    cyclic.cause = cyclic;
    expect(() => JSON.stringify(safeError(cyclic))).not.toThrow();
    fc.assert(
      fc.property(fc.anything(), anyText, (thing, message) => {
        expect(() => JSON.stringify(safeError(thing))).not.toThrow(/circular/i);
        expect(() =>
          safeError(Object.assign(new Error(message), { cause: thing, code: thing })),
        ).not.toThrow();
      }),
      runs,
    );
  });
});
