import { renderQrPng, renderQrSvg } from '../vietqr/render.js';

/**
 * The one place payment-request QR images are made (API images, printed slips). Rendering is a pure
 * function of the payload, so a cache keyed by payload can be put here without touching any caller.
 */
export async function requestQrSvg(payload: string): Promise<string> {
  return renderQrSvg(payload);
}

/** `scale` pixels per module: 8 gives ~330 px, readable from a phone screen held up to a scanner. */
export async function requestQrPng(payload: string, scale = 8): Promise<Buffer> {
  return renderQrPng(payload, { scale });
}
