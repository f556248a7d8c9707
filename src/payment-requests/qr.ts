import type { QrImageCache } from '../vietqr/image-cache.js';
import { renderQrPng, renderQrSvg } from '../vietqr/render.js';

/**
 * The one place payment-request QR images are made (API images, printed slips). Rendering is a pure
 * function of the payload: callers with deps pass `deps.qrImages`, the shared cache keyed by payload.
 */
export async function requestQrSvg(payload: string, images?: QrImageCache): Promise<string> {
  return images ? images.svg(payload) : renderQrSvg(payload);
}

/** `scale` pixels per module: 8 gives ~330 px, readable from a phone screen held up to a scanner. */
export async function requestQrPng(payload: string, scale = 8, images?: QrImageCache): Promise<Uint8Array> {
  return images ? images.png(payload, scale) : renderQrPng(payload, { scale });
}
