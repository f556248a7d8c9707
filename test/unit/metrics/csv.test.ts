import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvField } from '../../../src/metrics/csv.js';

describe('csvField', () => {
  it('round-trips any text through a CSV parser (quotes, commas, new lines, Vietnamese)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        fc.pre(!/^[=+\-@\t\r]/.test(text));
        const line = `${csvField(text)},x\r\n`;
        expect(parse(line, { relax_column_count: true })[0]?.[0]).toBe(text);
      }),
    );
    expect(csvField('Thôn Đông, xã "Minh Phú"')).toBe('"Thôn Đông, xã ""Minh Phú"""');
  });

  it('keeps a spreadsheet from running a name as a formula; numbers and blanks stay plain', () => {
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField('+84 912')).toBe("'+84 912");
    expect(csvField(-1500)).toBe('-1500');
    expect(csvField(null)).toBe('');
  });
});
