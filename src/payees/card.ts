/**
 * Printable stall cards: what a market vendor laminates and stands on the counter. One card is A6
 * (105 × 148 mm); a market's sheet puts four A6 cards on each A4 page (2 × 2), with cut lines.
 * The QR is the stall's static VietQR (no amount: the buyer types it), drawn inline as SVG so it prints
 * sharp at any size. Labels are Vietnamese unless `?lang=en`; names and numbers are shown as stored.
 */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export const cardLangs = ['vi', 'en'] as const;
export type CardLang = (typeof cardLangs)[number];

export type StallCard = {
  payeeId: string;
  name: string;
  stallNo: string | null;
  bankShortName: string;
  bankName: string | null;
  accountName: string;
  accountNumber: string;
  /** The static QR as a standalone SVG document (from the image cache). */
  qrSvg: string;
};

const labels = {
  vi: {
    scanToPay: 'Quét mã để thanh toán',
    stall: 'Sạp số',
    bank: 'Ngân hàng',
    accountName: 'Chủ tài khoản',
    accountNumber: 'Số tài khoản',
    enterAmount: 'Nhập số tiền khi chuyển khoản. Mã dùng được với mọi ứng dụng ngân hàng và ví có VietQR.',
    cardTitle: 'Thẻ thanh toán VietQR',
    sheetTitle: 'Thẻ thanh toán VietQR',
    sheetCount: (n: number) => `${n} thẻ, 4 thẻ mỗi trang A4.`,
    printHint: 'In trên giấy A4, tỉ lệ 100 %, không lề; cắt theo đường gạch.',
    empty: 'Không có người nhận tiền nào để in.',
  },
  en: {
    scanToPay: 'Scan to pay',
    stall: 'Stall',
    bank: 'Bank',
    accountName: 'Account holder',
    accountNumber: 'Account number',
    enterAmount:
      'Enter the amount when you pay. Works with every banking and e-wallet app that takes VietQR.',
    cardTitle: 'VietQR payment card',
    sheetTitle: 'VietQR payment cards',
    sheetCount: (n: number) => `${n} card${n === 1 ? '' : 's'}, 4 to an A4 page.`,
    printHint: 'Print on A4 at 100% scale with no margins; cut along the dashed lines.',
    empty: 'No payees to print.',
  },
} as const;

/** The look of one card, shared by the single page and the sheet. Sizes in mm so print is exact. */
const CARD_CSS = `
* { box-sizing: border-box; }
body { margin: 0; font-family: "Noto Sans", "Segoe UI", Roboto, Arial, sans-serif; color: #111; }
.card { width: 105mm; height: 148mm; padding: 6mm 7mm 5mm; display: flex; flex-direction: column;
  align-items: center; text-align: center; overflow: hidden; background: #fff; }
.card .brand { width: 100%; display: flex; justify-content: space-between; align-items: baseline;
  border-bottom: 0.6mm solid #005baa; padding-bottom: 1.5mm; }
.card .brand b { font-size: 15pt; letter-spacing: 0.2mm; color: #005baa; }
.card .brand b span { color: #da251d; }
.card .brand small { font-size: 9pt; color: #333; }
.card .name { font-size: 15pt; font-weight: 800; line-height: 1.15; margin-top: 3mm; max-height: 2.4em;
  overflow: hidden; overflow-wrap: anywhere; }
.card .stall { font-size: 11pt; margin-top: 1mm; }
.card .stall b { font-size: 13pt; }
.card .qr { width: 68mm; height: 68mm; margin: 2.5mm 0; }
.card .qr svg { width: 100%; height: 100%; display: block; }
.card dl { width: 100%; margin: 0; display: grid; grid-template-columns: auto 1fr; gap: 0.8mm 3mm;
  text-align: left; font-size: 9.5pt; }
.card dt { color: #555; }
.card dd { margin: 0; font-weight: 700; overflow-wrap: anywhere; }
.card dd.account { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 11pt; letter-spacing: 0.3mm; }
.card .note { margin-top: auto; font-size: 7.5pt; color: #444; line-height: 1.3; }
`;

const SINGLE_CSS = `
@page { size: A6 portrait; margin: 0; }
@media screen { body { background: #e8ebef; padding: 16px; } .card { margin: 0 auto; box-shadow: 0 1px 4px #0003; } }
`;

const SHEET_CSS = `
@page { size: A4 portrait; margin: 0; }
.page { width: 210mm; height: 297mm; display: grid; grid-template-columns: 105mm 105mm;
  grid-template-rows: 148.5mm 148.5mm; break-after: page; page-break-after: always; background: #fff; }
.page:last-child { break-after: auto; page-break-after: auto; }
.page .card { height: 148.5mm; outline: 0.2mm dashed #999; outline-offset: -0.1mm; }
header.screen { padding: 12px 16px; background: #f3f5f7; border-bottom: 1px solid #ccd; }
header.screen h1 { font-size: 18px; margin: 0 0 4px; }
header.screen p { margin: 0; font-size: 13px; color: #444; }
@media screen { body { background: #e8ebef; } .page { margin: 16px auto; box-shadow: 0 1px 4px #0003; } }
@media print { header.screen { display: none; } }
`;

/**
 * For the pages' Content-Security-Policy: no scripts at all, only the inline style, no framing.
 * The cards carry names typed by staff, so the policy backs up the escaping.
 */
export const cardPageCsp =
  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The SVG from qrcode, without an XML prolog (not allowed inside HTML). */
const inlineSvg = (svg: string) => raw(svg.replace(/^<\?xml[^>]*>\s*/, '').trim());

function cardArticle(card: StallCard, lang: CardLang): HtmlEscapedString | Promise<HtmlEscapedString> {
  const l = labels[lang];
  return html`<article class="card" data-payee-id="${card.payeeId}">
<div class="brand"><b>Viet<span>QR</span></b><small>${l.scanToPay}</small></div>
<div class="name">${card.name}</div>
${card.stallNo ? html`<div class="stall">${l.stall} <b>${card.stallNo}</b></div>` : ''}
<div class="qr" role="img" aria-label="VietQR">${inlineSvg(card.qrSvg)}</div>
<dl>
<dt>${l.bank}</dt><dd class="bank" title="${card.bankName ?? ''}">${card.bankShortName}</dd>
<dt>${l.accountName}</dt><dd class="holder">${card.accountName}</dd>
<dt>${l.accountNumber}</dt><dd class="account">${card.accountNumber}</dd>
</dl>
<p class="note">${l.enterAmount}</p>
</article>`;
}

/** One stall's card as a page that prints on A6. */
export async function renderCardPage(card: StallCard, lang: CardLang): Promise<string> {
  const title = `${labels[lang].cardTitle} – ${card.name}`;
  const page = await html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${raw(CARD_CSS + SINGLE_CSS)}</style>
</head>
<body>
${cardArticle(card, lang)}
</body>
</html>
`;
  return page.toString();
}

/** Many cards on A4 pages, four to a page, for a whole market; `heading` names the unit. */
export async function renderCardSheet(cards: StallCard[], lang: CardLang, heading: string): Promise<string> {
  const l = labels[lang];
  const pages = [];
  for (let i = 0; i < cards.length; i += 4) {
    pages.push(
      html`<section class="page">${cards.slice(i, i + 4).map((c) => cardArticle(c, lang))}</section>`,
    );
  }
  const page = await html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${l.sheetTitle} – ${heading}</title>
<style>${raw(CARD_CSS + SHEET_CSS)}</style>
</head>
<body>
<header class="screen"><h1>${l.sheetTitle} – ${heading}</h1>
<p>${cards.length === 0 ? l.empty : `${l.sheetCount(cards.length)} ${l.printHint}`}</p></header>
${pages}
</body>
</html>
`;
  return page.toString();
}
