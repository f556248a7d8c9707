/**
 * CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR): the checksum EMVCo
 * merchant-presented QR (and so NAPAS VietQR) carries in tag 63. Check value: "123456789" → 29B1.
 * The string is checksummed as UTF-8 bytes, which for the ASCII payloads we issue is one byte a char.
 */

const TABLE: Uint16Array = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

function update(crc: number, byte: number): number {
  return ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
}

/** The CRC of `data` as four upper-case hex digits. */
export function crc16CcittFalse(data: string): string {
  let crc = 0xffff;
  for (let i = 0; i < data.length; i++) {
    const code = data.charCodeAt(i);
    if (code < 0x80) {
      crc = update(crc, code);
      continue;
    }
    // Rare in a payload (a decoded foreign one may carry Vietnamese text): checksum its UTF-8 bytes.
    let cp = data.codePointAt(i)!;
    if (cp > 0xffff) i++;
    else if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // a lone surrogate, as TextEncoder would
    if (cp < 0x800) {
      crc = update(update(crc, 0xc0 | (cp >> 6)), 0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      crc = update(update(update(crc, 0xe0 | (cp >> 12)), 0x80 | ((cp >> 6) & 0x3f)), 0x80 | (cp & 0x3f));
    } else {
      crc = update(crc, 0xf0 | (cp >> 18));
      crc = update(crc, 0x80 | ((cp >> 12) & 0x3f));
      crc = update(update(crc, 0x80 | ((cp >> 6) & 0x3f)), 0x80 | (cp & 0x3f));
    }
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}
