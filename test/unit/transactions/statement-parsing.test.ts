import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCamt053 } from '../../../src/statements/camt053.js';
import { parseStatementCsv } from '../../../src/statements/csv.js';
import { parseBankDate, parseVnd, StatementError } from '../../../src/statements/line.js';
import { MAX_TRANSACTION_AMOUNT } from '../../../src/transactions/amount.js';

describe('VND amounts as banks print them', () => {
  it('reads thousands separators and refuses fractions', () => {
    expect(parseVnd('1,500,000')).toBe(1_500_000);
    expect(parseVnd('1.500.000')).toBe(1_500_000);
    expect(parseVnd('1,500,000.00')).toBe(1_500_000);
    expect(parseVnd('1.500.000,00')).toBe(1_500_000);
    expect(parseVnd('+150000')).toBe(150_000);
    // Found by the statement fuzz test: more digits than a number holds exactly is no amount.
    expect(parseVnd('9999999999999999999999999999999999999999')).toBeUndefined();
    expect(parseVnd('9.007.199.254.740.993')).toBeUndefined();
    expect(parseVnd('9.007.199.254.740.991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseVnd('-20,000')).toBe(-20_000);
    expect(parseVnd('150000.00')).toBe(150_000);
    expect(parseVnd('12.5')).toBeUndefined();
    expect(parseVnd('1,500.5')).toBeUndefined();
    expect(parseVnd('')).toBeUndefined();
  });

  it('round-trips any whole amount in either grouping (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e12 }), fc.constantFrom(',', '.'), (n, sep) => {
        const grouped = n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, sep);
        expect(parseVnd(grouped)).toBe(n);
      }),
    );
  });

  it('dates are Vietnam time', () => {
    expect(parseBankDate('20/11/2026 14:02:37')).toEqual({
      at: new Date('2026-11-20T07:02:37Z'),
      dateOnly: false,
    });
    expect(parseBankDate('2026-11-20')).toEqual({ at: new Date('2026-11-19T17:00:00Z'), dateOnly: true });
    expect(parseBankDate('31/02/2026x')).toBeUndefined();
  });
});

describe('CSV statements', () => {
  it('finds the header below title rows, the account, semicolons, credits and debits, and skips totals', () => {
    const csv = [
      '\uFEFFNgân hàng TMCP Quân đội;;;;',
      'Số tài khoản: 0123 4999 99;;;;',
      'Ngày GD;Diễn giải;Ghi nợ;Ghi có;Số dư',
      '20/11/2026 08:00;MUA RAU;;25.000;1.025.000',
      '20/11/2026 09:00;PHI;1.100;;1.023.900',
      ';Tổng;1.100;25.000;',
    ].join('\r\n');
    const s = parseStatementCsv(csv);
    expect(s.accountNumber).toBe('0123499999');
    expect(s.lines.map((l) => [l.direction, l.amount, l.memo])).toEqual([
      ['in', 25_000, 'MUA RAU'],
      ['out', 1_100, 'PHI'],
    ]);
    expect(new Set(s.lines.map((l) => l.lineKey)).size).toBe(2);
  });

  it('two identical lines on one day stay two lines, with stable keys', () => {
    const csv =
      'Ngày giao dịch,Số tiền,Nội dung\n20/11/2026,"+20,000",chuyen tien\n20/11/2026,"+20,000",chuyen tien\n';
    const a = parseStatementCsv(csv).lines.map((l) => l.lineKey);
    expect(new Set(a).size).toBe(2);
    expect(parseStatementCsv(csv).lines.map((l) => l.lineKey)).toEqual(a);
  });

  it('refuses, naming the row, an amount larger than any transaction (a misread cell, not a payment)', () => {
    const header = 'Ngày giao dịch,Ghi nợ,Ghi có,Mô tả';
    const refusal = (csv: string) => {
      try {
        parseStatementCsv(csv);
      } catch (e) {
        if (e instanceof StatementError) return e.details;
      }
      return 'read';
    };
    const tooLarge = (row: number, text: string) => [
      { row, message: `amount "${text}" is above 100,000,000,000 VND, the largest transaction accepted` },
    ];
    expect(parseStatementCsv(`${header}\n20/11/2026,,"100.000.000.000",x\n`).lines[0]?.amount).toBe(
      MAX_TRANSACTION_AMOUNT,
    );
    expect(refusal(`${header}\n20/11/2026,,"100.000.000.001",x\n`)).toEqual(tooLarge(2, '100.000.000.001'));
    expect(refusal(`${header}\n20/11/2026,"500.000.000.000",,x\n`)).toEqual(tooLarge(2, '500.000.000.000'));
    const signed = 'Ngày giao dịch,Số tiền,Mô tả';
    expect(refusal(`${signed}\n20/11/2026,1,a\n20/11/2026,-100000000001,b\n`)).toEqual(
      tooLarge(3, '-100000000001'),
    );
  });

  it('refuses a file without a usable header', () => {
    expect(() => parseStatementCsv('a,b\n1,2\n')).toThrow(StatementError);
  });
});

describe('camt.053', () => {
  it('reads booked VND entries, skips pending ones, and refuses other currencies', () => {
    const xml = `<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
      <Acct><Id><Othr><Id>777</Id></Othr></Id></Acct>
      <Ntry><Amt Ccy="VND">1000</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-20</Dt></BookgDt>
        <NtryDtls><TxDtls><RmtInf><Ustrd>part one</Ustrd><Ustrd>part two</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
      <Ntry><Amt Ccy="VND">2000</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><DtTm>2026-11-20T10:00:00</DtTm></BookgDt><AddtlNtryInf>fee</AddtlNtryInf></Ntry>
      <Ntry><Amt Ccy="VND">3000</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>PDNG</Sts><BookgDt><Dt>2026-11-20</Dt></BookgDt></Ntry>
    </Stmt></BkToCstmrStmt></Document>`;
    const s = parseCamt053(xml);
    expect(s.accountNumber).toBe('777');
    expect(s.lines.map((l) => [l.direction, l.amount, l.memo, l.dateOnly])).toEqual([
      ['in', 1000, 'part one part two', true],
      ['out', 2000, 'fee', false],
    ]);
    expect(() => parseCamt053(xml.replace('Ccy="VND">1000', 'Ccy="USD">1000'))).toThrow(StatementError);
    expect(() => parseCamt053('<x/>')).toThrow(StatementError);
  });

  it('refuses an entry larger than any transaction, naming it', () => {
    const entry = (amount: string) =>
      `<Ntry><Amt Ccy="VND">${amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-20</Dt></BookgDt></Ntry>`;
    const xml = (...amounts: string[]) =>
      `<Document><BkToCstmrStmt><Stmt>${amounts.map(entry).join('')}</Stmt></BkToCstmrStmt></Document>`;
    expect(parseCamt053(xml('100000000000.00')).lines.map((l) => l.amount)).toEqual([MAX_TRANSACTION_AMOUNT]);
    expect(() => parseCamt053(xml('1000', '100000000001'))).toThrow(
      expect.objectContaining({
        details: [
          {
            entry: 2,
            message: 'amount "100000000001" is above 100,000,000,000 VND, the largest transaction accepted',
          },
        ],
      }),
    );
  });
});
