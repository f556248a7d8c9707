/**
 * A bank statement as CSV, the way Vietnamese banks export one (a title block with the account and the
 * period, a header row in Vietnamese, one row per booked line, a total row): what POST /v1/statements
 * reads (src/statements/csv.ts). Pure.
 */
import { findBank } from '../vietqr/banks.js';

export type StatementLineInput = {
  at: Date;
  bankRef: string;
  amount: number;
  memo: string;
  counterpartyName: string;
};

const vnd = (n: number) => n.toLocaleString('en-US');

/** dd/MM/yyyy HH:mm:ss in Vietnam time. */
function vnStamp(at: Date): string {
  const s = new Date(at.getTime() + 7 * 3600_000).toISOString();
  return `${s.slice(8, 10)}/${s.slice(5, 7)}/${s.slice(0, 4)} ${s.slice(11, 19)}`;
}

const vnDate = (day: string) => `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;

const cell = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** One account's statement for the days `from` … `to` (YYYY-MM-DD), lines in booking order. */
export function statementCsv(
  account: { bin: string; number: string; holder: string },
  from: string,
  to: string,
  lines: StatementLineInput[],
): string {
  const bank = findBank(account.bin);
  const sorted = [...lines].sort(
    (a, b) => a.at.getTime() - b.at.getTime() || a.bankRef.localeCompare(b.bankRef),
  );
  let balance = 0;
  let total = 0;
  const rows = sorted.map((l, i) => {
    balance += l.amount;
    total += l.amount;
    return [
      String(i + 1),
      vnStamp(l.at),
      l.bankRef,
      '',
      vnd(l.amount),
      vnd(balance),
      l.memo,
      l.counterpartyName,
    ]
      .map(cell)
      .join(',');
  });
  return [
    cell(bank?.name.toUpperCase() ?? 'NGÂN HÀNG'),
    'SAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT',
    `Số tài khoản: ${account.number}`,
    cell(`Chủ tài khoản: ${account.holder}`),
    `Từ ngày: ${vnDate(from)} Đến ngày: ${vnDate(to)}`,
    'STT,Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Số dư,Mô tả,Tên đối ứng',
    ...rows,
    `,Tổng cộng,,0,${cell(vnd(total))},,,`,
    '',
  ].join('\n');
}
