/**
 * Fold Vietnamese text to plain ASCII letters the way banks do when they rewrite a transfer memo:
 * đ/Đ become d/D (they are letters of their own, not d plus a mark, so NFD leaves them alone), then
 * canonical decomposition (NFD) splits every accented vowel into its base letter and combining marks,
 * which are dropped. "Học phí tháng 9 – Đợt 1" → "Hoc phi thang 9 – Dot 1". Other characters are kept.
 */
export function foldVietnamese(text: string): string {
  return text.replace(/đ/g, 'd').replace(/Đ/g, 'D').normalize('NFD').replace(/\p{M}/gu, '');
}
