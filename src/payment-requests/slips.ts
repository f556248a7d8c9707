/**
 * The printable sheet of QR slips for a batch: what a bursar prints, cuts and hands to each pupil.
 * A4, 3 × 4 slips a page with dashed cut lines; each slip says who it is for, how much and what for,
 * with the QR, the reference, and the account to type by hand for those who cannot scan.
 * Labels are Vietnamese: the slips go home to parents.
 */
import { formatVnd } from './amount.js';
import { TIME_ZONE } from './dates.js';
import type { PaymentRequest } from './store.js';

export type SlipPayee = { name: string; bankShortName: string; accountNumber: string; accountName: string };
export type Slip = { request: PaymentRequest; qrSvg: string };

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const dayFormat = new Intl.DateTimeFormat('vi-VN', {
  timeZone: TIME_ZONE,
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
});

/** The last day to pay: an expiry at midnight means "by the end of the day before". */
export function lastDay(expiresAt: Date): string {
  return dayFormat.format(new Date(expiresAt.getTime() - 1));
}

const CSS = `
@page { size: A4; margin: 8mm; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; margin: 0; color: #111; }
header.screen { padding: 12px 16px; background: #f3f5f7; border-bottom: 1px solid #ccd; }
header.screen h1 { font-size: 18px; margin: 0 0 4px; }
header.screen p { margin: 0; font-size: 13px; color: #444; }
main.sheet { display: grid; grid-template-columns: repeat(3, 1fr); gap: 0; width: 194mm; margin: 0 auto; }
article.slip { height: 69mm; padding: 3mm; border: 0.3mm dashed #888; break-inside: avoid; page-break-inside: avoid;
  display: grid; grid-template-columns: 30mm 1fr; grid-template-rows: auto 1fr auto; column-gap: 2.5mm; overflow: hidden; }
.slip .payee { grid-column: 1 / 3; font-size: 8pt; font-weight: 600; text-transform: uppercase; color: #333;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; border-bottom: 0.2mm solid #bbb; padding-bottom: 1mm; margin-bottom: 1.5mm; }
.slip .qr svg { width: 30mm; height: 30mm; display: block; }
.slip .ref { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 9pt; font-weight: 700; letter-spacing: 0.3mm; text-align: center; margin-top: 1mm; }
.slip .who { font-size: 10pt; font-weight: 700; line-height: 1.2; }
.slip .meta, .slip .purpose, .slip .due { font-size: 8pt; line-height: 1.3; color: #333; }
.slip .amount { font-size: 13pt; font-weight: 800; margin: 1mm 0; white-space: nowrap; }
.slip .bank { grid-column: 1 / 3; font-size: 6.5pt; color: #444; line-height: 1.25; border-top: 0.2mm solid #ddd; padding-top: 1mm; }
@media print { header.screen { display: none; } main.sheet { width: auto; } }
`;

export function renderSlipsPage(input: { payee: SlipPayee; batchId: string; slips: Slip[] }): string {
  const { payee, slips } = input;
  const articles = slips.map(({ request: r, qrSvg }) => {
    const who = r.payerName ?? r.payerRef ?? r.householdCode ?? '';
    const meta = [
      r.payerGroup ? `Lớp/nhóm: ${escapeHtml(r.payerGroup)}` : '',
      r.payerRef && r.payerName ? `Mã: ${escapeHtml(r.payerRef)}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    return `<article class="slip" data-reference="${escapeHtml(r.reference)}" data-amount="${r.amount}">
<div class="payee">${escapeHtml(payee.name)}</div>
<div><div class="qr">${qrSvg.replace(/^<\?xml[^>]*>\s*/, '')}</div><div class="ref">${escapeHtml(r.reference)}</div></div>
<div><div class="who">${escapeHtml(who)}</div>${meta ? `<div class="meta">${meta}</div>` : ''}
<div class="amount">${escapeHtml(formatVnd(r.amount))}</div>
${r.purpose ? `<div class="purpose">${escapeHtml(r.purpose)}</div>` : ''}
${r.expiresAt ? `<div class="due">Hạn nộp: ${escapeHtml(lastDay(r.expiresAt))}</div>` : ''}</div>
<div class="bank">Quét mã QR bằng ứng dụng ngân hàng, hoặc chuyển khoản: ${escapeHtml(payee.bankShortName)} ${escapeHtml(payee.accountNumber)} – ${escapeHtml(payee.accountName)}, nội dung <b>${escapeHtml(r.reference)}</b></div>
</article>`;
  });
  const total = slips.reduce((sum, s) => sum + s.request.amount, 0);
  return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Phiếu thu QR – ${escapeHtml(payee.name)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="screen">
<h1>Phiếu thu QR – ${escapeHtml(payee.name)}</h1>
<p>${slips.length} phiếu · tổng ${escapeHtml(formatVnd(total))} · đợt ${escapeHtml(input.batchId)} · In khổ A4 (Ctrl+P), 12 phiếu mỗi trang, cắt theo đường nét đứt.</p>
</header>
<main class="sheet">
${articles.join('\n')}
</main>
</body>
</html>
`;
}
