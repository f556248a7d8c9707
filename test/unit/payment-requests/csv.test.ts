import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseVndAmount } from '../../../src/payment-requests/amount.js';
import { type CsvError, type FeeField, parseFeeCsv } from '../../../src/payment-requests/csv.js';

const encode = (s: string) => new TextEncoder().encode(s);

const VI_HEADERS: Partial<Record<FeeField, string>> = {
  payerRef: 'Mã học sinh',
  payerName: 'Họ và tên',
  payerGroup: 'Lớp',
  amount: 'Số tiền',
  purpose: 'Nội dung',
  expiresAt: 'Hạn nộp',
};
const EN_HEADERS: Partial<Record<FeeField, string>> = {
  payerRef: 'payerRef',
  payerName: 'payerName',
  payerGroup: 'group',
  amount: 'amount',
  purpose: 'purpose',
  expiresAt: 'expiresAt',
};

function csvLine(values: string[], delimiter: string): string {
  return values
    .map((v) =>
      v.includes(delimiter) || /["\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v,
    )
    .join(delimiter);
}

describe('parseFeeCsv', () => {
  it('reads a vi-VN Excel export: BOM, ";", Vietnamese headers, "1.500.000"', () => {
    const text =
      '\ufeffSTT;Mã học sinh;Họ và tên;Lớp;Số tiền;Nội dung;Hạn nộp\r\n1;HS001;Nguyễn Văn An;6A1;1.500.000;Học phí HK I;30/09/2026\r\n';
    const parsed = parseFeeCsv(encode(text));
    expect(parsed.delimiter).toBe(';');
    expect(parsed.ignoredColumns).toEqual(['STT']);
    expect(parsed.rows).toEqual([
      {
        row: 2,
        values: {
          payerRef: 'HS001',
          payerName: 'Nguyễn Văn An',
          payerGroup: '6A1',
          amount: '1.500.000',
          purpose: 'Học phí HK I',
          expiresAt: '30/09/2026',
        },
      },
    ]);
  });

  it('reads English headers, commas, no BOM, in any column order and case', () => {
    const parsed = parseFeeCsv('Amount,PAYER_REF,payerName,Group\n"1,500,000",HS1,"Le, Thi B",7B\n');
    expect(parsed.delimiter).toBe(',');
    expect(parsed.rows[0]!.values).toEqual({
      amount: '1,500,000',
      payerRef: 'HS1',
      payerName: 'Le, Thi B',
      payerGroup: '7B',
    });
  });

  it('numbers rows by their line in the file, past blank lines and blank spreadsheet rows', () => {
    const parsed = parseFeeCsv('amount;payerRef\n100000;A\n\n;\n200000;B\n"300000";"C\nD"\n400000;E\n');
    expect(parsed.rows.map((r) => [r.row, r.values.payerRef])).toEqual([
      [2, 'A'],
      [5, 'B'],
      [6, 'C\nD'],
      [8, 'E'],
    ]);
  });

  it('honours Excel’s "sep=" first line', () => {
    const parsed = parseFeeCsv('sep=;\namount;payerName\n1.000;Phạm, Thị C\n');
    expect(parsed.rows).toEqual([{ row: 3, values: { amount: '1.000', payerName: 'Phạm, Thị C' } }]);
  });

  it('reads UTF-16 (Excel "Unicode text") and refuses bytes that are not UTF-8', () => {
    const text = 'amount\tpayerName\n150000\tĐỗ Thị Ánh\n';
    const utf16 = new Uint8Array([0xff, 0xfe, ...new Uint8Array(Buffer.from(text, 'utf16le'))]);
    expect(parseFeeCsv(utf16).rows[0]!.values).toEqual({ amount: '150000', payerName: 'Đỗ Thị Ánh' });
    // "Lớp" in Windows-1258 is not valid UTF-8.
    const ansi = new Uint8Array([...encode('amount;L'), 0xf5, 0x70, ...encode('\n1;6A\n')]);
    expect(() => parseFeeCsv(ansi)).toThrowError(expect.objectContaining({ code: 'invalid_encoding' }));
  });

  it('refuses a file without an amount column, or with two, or with a broken quote', () => {
    const code = (text: string) => {
      try {
        parseFeeCsv(text);
        return 'parsed';
      } catch (err) {
        return (err as CsvError).code;
      }
    };
    expect(code('Họ và tên;Lớp\nAn;6A\n')).toBe('missing_column');
    expect(code('Số tiền;amount\n1;2\n')).toBe('duplicate_column');
    expect(code('amount\n"100\n')).toBe('malformed_csv');
    expect(code('')).toBe('empty_csv');
  });

  it('reads back any table it is given, whatever the delimiter, BOM, line ending and header language', () => {
    const cell = fc
      .string({
        unit: fc.constantFrom(...'aăâbcdđeêghiklmnoôơpqrstuưvxyÁÀẢÃẠáàảãạệễởựỹ ,;"\'-'.split('')),
        maxLength: 12,
      })
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    const row = fc.record({
      payerRef: fc.stringMatching(/^HS\d{1,5}$/),
      payerName: cell,
      payerGroup: fc.constantFrom('6A1', '6A2', 'Lớp 7'),
      amount: fc.integer({ min: 1, max: 500_000_000 }),
      purpose: cell,
    });
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 1, maxLength: 15 }),
        fc.constantFrom(',', ';', '\t'),
        fc.boolean(),
        fc.constantFrom('\n', '\r\n'),
        fc.constantFrom(VI_HEADERS, EN_HEADERS),
        fc.constantFrom('vi', 'plain'),
        (rows, delimiter, bom, eol, headers, amountStyle) => {
          const fields = ['payerRef', 'payerName', 'payerGroup', 'amount', 'purpose'] as const;
          const vi = new Intl.NumberFormat('vi-VN');
          const lines = [
            csvLine(
              fields.map((f) => headers[f]!),
              delimiter,
            ),
            ...rows.map((r) =>
              csvLine(
                fields.map((f) =>
                  f === 'amount' ? (amountStyle === 'vi' ? vi.format(r.amount) : String(r.amount)) : r[f],
                ),
                delimiter,
              ),
            ),
          ];
          const text = (bom ? '\ufeff' : '') + lines.join(eol) + eol;
          const parsed = parseFeeCsv(encode(text));
          expect(parsed.rows.map((r) => r.row)).toEqual(rows.map((_, i) => i + 2));
          for (const [i, r] of rows.entries()) {
            const v = parsed.rows[i]!.values;
            expect(v).toMatchObject({
              payerRef: r.payerRef,
              payerName: r.payerName,
              payerGroup: r.payerGroup,
              purpose: r.purpose,
            });
            expect(parseVndAmount(v.amount!)).toBe(r.amount);
          }
        },
      ),
    );
  });
});
