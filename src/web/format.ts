import type { Lang } from './i18n.js';

/*
 * Numbers, money and dates as people in Vietnam write them: 1.500.000 ₫, 42,5 %, 21/11/2026.
 * English pages keep the same day-first dates (dd/MM/yyyy) and show VND with English digit grouping.
 */
const locales: Record<Lang, string> = { vi: 'vi-VN', en: 'en-GB' };

const cache = new Map<string, Intl.NumberFormat>();
function numberFormat(lang: Lang, kind: 'number' | 'vnd' | 'percent'): Intl.NumberFormat {
  const key = `${lang}:${kind}`;
  let f = cache.get(key);
  if (!f) {
    f =
      kind === 'vnd'
        ? new Intl.NumberFormat(locales[lang], {
            style: 'currency',
            currency: 'VND',
            maximumFractionDigits: 0,
          })
        : kind === 'percent'
          ? new Intl.NumberFormat(locales[lang], { style: 'percent', maximumFractionDigits: 1 })
          : new Intl.NumberFormat(locales[lang], { maximumFractionDigits: 0 });
    cache.set(key, f);
  }
  return f;
}

/** 1500000 → "1.500.000 ₫" (vi) or "₫1,500,000" (en). */
export const formatVnd = (lang: Lang, value: number) => numberFormat(lang, 'vnd').format(value);
/** 12345 → "12.345" (vi) or "12,345" (en). */
export const formatNumber = (lang: Lang, value: number) => numberFormat(lang, 'number').format(value);
/** 0.425 → "42,5%" (vi); null (nothing to measure) → "–". */
export const formatPercent = (lang: Lang, value: number | null) =>
  value === null ? '–' : numberFormat(lang, 'percent').format(value);

/** "2026-11-21" → "21/11/2026". */
export function formatDay(day: string): string {
  const [y, m, d] = day.split('-');
  return `${d}/${m}/${y}`;
}

/** "2026-11" → "11/2026". */
export function formatMonth(month: string): string {
  const [y, m] = month.split('-');
  return `${m}/${y}`;
}

/** A day typed as dd/mm/yyyy (as people here write it) or YYYY-MM-DD → YYYY-MM-DD; undefined otherwise. */
export function parseDay(text: string): string | undefined {
  const iso = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/.exec(text);
  if (iso) return `${iso[1]}-${iso[2]}-${iso[3]}`;
  const vn = /^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$/.exec(text);
  if (vn) return `${vn[3]}-${vn[2]!.padStart(2, '0')}-${vn[1]!.padStart(2, '0')}`;
  return undefined;
}
