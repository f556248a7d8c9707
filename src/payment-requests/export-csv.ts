/**
 * A batch as CSV, to send references and payloads by Zalo or SMS (a mail merge, a bulk-message tool).
 * UTF-8 with BOM so Excel shows Vietnamese names; RFC 4180 quoting.
 */
import type { PaymentRequest } from './store.js';

export const EXPORT_COLUMNS = [
  'reference',
  'payerRef',
  'payerName',
  'group',
  'amount',
  'purpose',
  'expiresAt',
  'status',
  'payload',
] as const;

/**
 * A cell as CSV. A text cell that starts like a formula (= + - @, tab, CR) gets a leading apostrophe,
 * so a name typed as "=HYPERLINK(…)" in the uploaded list is shown, not run, when the export is opened
 * in a spreadsheet (OWASP "CSV injection").
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function renderBatchCsv(requests: PaymentRequest[]): string {
  const lines = [EXPORT_COLUMNS.join(',')];
  for (const r of requests) {
    lines.push(
      [
        r.reference,
        r.payerRef,
        r.payerName,
        r.payerGroup,
        r.amount,
        r.purpose,
        r.expiresAt ? r.expiresAt.toISOString() : null,
        r.status,
        r.payload,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}
