/**
 * Fee lists as schools and counters export them from a spreadsheet: CSV, UTF-8 with or without a BOM
 * (Excel's "CSV UTF-8" writes one), comma- or semicolon-separated (Excel in a vi-VN locale uses ";"
 * because "," is the decimal mark there), with Vietnamese or English headers in any order.
 * Pure: bytes in, rows out; what the values mean is checked row by row in `rows.ts`.
 */
import { parse } from 'csv-parse/sync';
import { foldVietnamese } from '../vietqr/fold.js';

export const feeFields = [
  'payerRef',
  'payerName',
  'payerGroup',
  'householdCode',
  'amount',
  'purpose',
  'expiresAt',
  'category',
  'externalId',
] as const;
export type FeeField = (typeof feeFields)[number];

/**
 * Header spellings, compared after folding diacritics, lower-casing and dropping everything but
 * letters and digits: "Mã học sinh", "MÃ HỌC SINH" and "ma_hoc_sinh" are all `mahocsinh`.
 */
const HEADER_NAMES: Record<FeeField, string[]> = {
  payerRef: [
    'payerref',
    'payer',
    'mahocsinh',
    'mahs',
    'masohocsinh',
    'masinhvien',
    'masv',
    'maso',
    'studentid',
    'studentcode',
    'makhachhang',
    'makh',
    'customercode',
    'customerid',
    'socongto',
    'macongto',
    'madongho',
    'sodanhbo',
    'meter',
    'meterno',
    'meternumber',
  ],
  payerName: [
    'payername',
    'name',
    'fullname',
    'studentname',
    'hovaten',
    'hoten',
    'ten',
    'tenhocsinh',
    'hotenhocsinh',
    'tenkhachhang',
    'khachhang',
    'hotenchuho',
    'chuho',
  ],
  payerGroup: [
    'payergroup',
    'group',
    'class',
    'lop',
    'lophoc',
    'nhom',
    'to',
    'khu',
    'tuyen',
    'tuyenthu',
    'route',
  ],
  householdCode: ['householdcode', 'household', 'maho', 'mahogiadinh', 'mahodan'],
  amount: [
    'amount',
    'amountvnd',
    'sotien',
    'sotienvnd',
    'sotiend',
    'sotiendong',
    'thanhtien',
    'tongtien',
    'mucthu',
    'sotienphainop',
    'phaithu',
    'sotienthu',
  ],
  purpose: ['purpose', 'description', 'memo', 'noidung', 'noidungthu', 'noidungnop', 'diengiai', 'khoanthu'],
  expiresAt: [
    'expiresat',
    'expires',
    'expiry',
    'duedate',
    'due',
    'hannop',
    'hanthanhtoan',
    'hanchot',
    'han',
    'ngayhethan',
    'hethan',
  ],
  category: ['category', 'loai', 'loaiphi', 'loaikhoanthu', 'danhmuc'],
  externalId: [
    'externalid',
    'id',
    'maphieu',
    'maphieuthu',
    'sophieu',
    'sohoadon',
    'invoiceno',
    'invoiceid',
    'billid',
  ],
};

const FIELD_BY_HEADER = new Map<string, FeeField>(
  feeFields.flatMap((field) => HEADER_NAMES[field].map((name) => [name, field] as const)),
);

export const headerKey = (header: string) =>
  foldVietnamese(header)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

export type CsvRow = { row: number; values: Partial<Record<FeeField, string>> };
export type ParsedFeeCsv = {
  delimiter: string;
  /** Which header each field was read from. */
  columns: Partial<Record<FeeField, string>>;
  /** Headers we do not read ("STT", "Ghi chú", …): reported, not an error. */
  ignoredColumns: string[];
  rows: CsvRow[];
};

/** A file we cannot read at all (the rows of a readable file are judged one by one instead). */
export class CsvError extends Error {
  constructor(
    readonly code: 'invalid_encoding' | 'malformed_csv' | 'empty_csv' | 'missing_column' | 'duplicate_column',
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/**
 * Text of a CSV upload. UTF-8 with or without BOM; UTF-16 when it starts with a UTF-16 BOM (Excel's
 * "Unicode text"). Anything else that is not valid UTF-8 (an ANSI/Windows-1258 "CSV" from an old
 * Excel) is refused with a hint, rather than imported as mojibake names.
 */
export function decodeCsvBytes(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new CsvError(
      'invalid_encoding',
      'The file is not UTF-8 text. In Excel use "Save as → CSV UTF-8 (Comma delimited)".',
    );
  }
}

const SEP_LINE = /^sep=(.)\r?\n/i;

/** The delimiter of the header line: the most frequent of ";", "," and tab outside quotes. */
function detectDelimiter(text: string): string {
  const sep = SEP_LINE.exec(text);
  if (sep) return sep[1]!;
  const firstLine = text.split(/\r?\n/, 1)[0]!.replace(/"[^"]*"/g, '');
  const counts = [';', ',', '\t'].map((d) => [d, firstLine.split(d).length - 1] as const);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0]![1] > 0 ? counts[0]![0] : ',';
}

export function parseFeeCsv(input: string | Uint8Array): ParsedFeeCsv {
  let text = typeof input === 'string' ? input : decodeCsvBytes(input);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const delimiter = detectDelimiter(text);
  let skippedLines = 0;
  if (SEP_LINE.test(text)) {
    text = text.replace(SEP_LINE, '');
    skippedLines = 1;
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      delimiter,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const e = err as { message: string; lines?: number };
    throw new CsvError('malformed_csv', `The CSV cannot be read: ${e.message}`, {
      line: e.lines === undefined ? undefined : e.lines + skippedLines,
    });
  }
  const [header, ...data] = records;
  if (!header) throw new CsvError('empty_csv', 'The CSV has no header row');

  const columns: Partial<Record<FeeField, string>> = {};
  const indexOf: Partial<Record<FeeField, number>> = {};
  const ignoredColumns: string[] = [];
  for (const [i, name] of header.record.entries()) {
    const field = FIELD_BY_HEADER.get(headerKey(name));
    if (!field) {
      if (name !== '') ignoredColumns.push(name);
      continue;
    }
    if (indexOf[field] !== undefined) {
      throw new CsvError(
        'duplicate_column',
        `Columns "${columns[field]}" and "${name}" both look like ${field}; keep one`,
        { field, columns: [columns[field], name] },
      );
    }
    indexOf[field] = i;
    columns[field] = name;
  }
  if (indexOf.amount === undefined) {
    throw new CsvError(
      'missing_column',
      'The CSV has no amount column (a header such as "Số tiền" or "amount")',
      { expected: HEADER_NAMES.amount, found: header.record },
    );
  }

  const rows: CsvRow[] = [];
  for (const { record, info } of data) {
    // Spreadsheets export blank rows as ";;;;": not a row anyone meant.
    if (record.every((v) => v === '')) continue;
    const values: Partial<Record<FeeField, string>> = {};
    for (const field of feeFields) {
      const i = indexOf[field];
      const v = i === undefined ? undefined : record[i];
      if (v !== undefined && v !== '') values[field] = v;
    }
    // csv-parse reports the line a record ends on; a quoted value may span lines.
    const embeddedNewlines = record.reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0);
    rows.push({ row: info.lines - embeddedNewlines + skippedLines, values });
  }
  return { delimiter, columns, ignoredColumns, rows };
}
