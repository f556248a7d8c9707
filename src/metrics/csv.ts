import type { MetricsResponse } from './schema.js';

export const csvColumns = [
  'unit',
  'from',
  'to',
  'group_by',
  'key',
  'name',
  'cashless_count',
  'cashless_value',
  'cashless_payers',
  'cash_count',
  'cash_value',
  'cash_payers',
  'ratio_count',
  'ratio_value',
  'ratio_payers',
  'households',
  'adopters',
  'adoption_rate',
  'stalls',
  'stalls_with_qr',
  'stalls_paid_by_qr',
] as const;

type Cell = string | number | null | undefined;

/**
 * One CSV field (RFC 4180). Text that a spreadsheet would run as a formula (= + - @ at the start) gets a
 * leading apostrophe: unit and stall names are typed by people, and this file is opened in Excel.
 */
export function csvField(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return String(cell);
  const text = /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The metrics as CSV: a `total` row (with households and market figures), then one row per group.
 * Starts with a UTF-8 byte-order mark so that Excel shows Vietnamese names correctly.
 */
export function metricsCsv(m: MetricsResponse): string {
  const row = (
    groupBy: string,
    key: string,
    name: string | undefined,
    g: Pick<MetricsResponse['totals'], 'cashless' | 'cash' | 'ratio'>,
    households?: MetricsResponse['households'],
    market?: MetricsResponse['market'],
  ): Cell[] => [
    m.unit,
    m.from,
    m.to,
    groupBy,
    key,
    name,
    g.cashless.count,
    g.cashless.value,
    g.cashless.payers,
    g.cash.count,
    g.cash.value,
    g.cash.payers,
    g.ratio.count,
    g.ratio.value,
    g.ratio.payers,
    households?.total,
    households?.adopters,
    households?.adoptionRate,
    market?.stalls,
    market?.stallsWithQr,
    market?.stallsPaidByQr,
  ];
  const rows: Cell[][] = [
    [...csvColumns],
    row('total', 'total', undefined, m.totals, m.households, m.market),
    ...m.groups.map((g) => row(m.groupBy ?? '', g.key, g.name, g, g.households)),
  ];
  return `\uFEFF${rows.map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`;
}
