/**
 * QR images of a payload, through the `qrcode` package. Error correction M (15% of the symbol may be
 * lost: a creased or splashed laminated stall card still scans) and a 2-module quiet zone.
 * Nothing is cached here: `image-cache.ts` caches by payload for the HTTP routes and printed sheets.
 */
import QRCode from 'qrcode';

const BASE_OPTIONS = { errorCorrectionLevel: 'M', margin: 2 } as const;

/** The code's width in modules, quiet zone included: a PNG at scale s is this many times s pixels wide. */
export function qrWidthInModules(payload: string): number {
  checkPayload(payload);
  return (
    QRCode.create(payload, { errorCorrectionLevel: BASE_OPTIONS.errorCorrectionLevel }).modules.size +
    2 * BASE_OPTIONS.margin
  );
}

function checkPayload(payload: string): void {
  if (typeof payload !== 'string' || payload.length === 0)
    throw new TypeError('payload must be a non-empty string');
}

/** The QR code as a standalone SVG document. */
export async function renderQrSvg(payload: string): Promise<string> {
  checkPayload(payload);
  return QRCode.toString(payload, { ...BASE_OPTIONS, type: 'svg' });
}

/** The QR code as a PNG; `scale` is pixels per module (default 4, whole numbers 1–50). */
export async function renderQrPng(payload: string, opts: { scale?: number } = {}): Promise<Buffer> {
  checkPayload(payload);
  const scale = opts.scale ?? 4;
  if (!Number.isInteger(scale) || scale < 1 || scale > 50) {
    throw new RangeError(`scale must be a whole number from 1 to 50, got ${scale}`);
  }
  return QRCode.toBuffer(payload, { ...BASE_OPTIONS, type: 'png', scale });
}
