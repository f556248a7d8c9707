import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import type { TestApp } from '../../support/app.js';

// jsqr is CommonJS that sets exports.default; under NodeNext its default import is the exports object.
const jsQR = jsQRModule.default;

/** What a phone's QR reader would read from this PNG. */
export function scanPng(png: Uint8Array): string | undefined {
  const image = PNG.sync.read(Buffer.from(png));
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}

export function pngWidth(png: Uint8Array): number {
  return PNG.sync.read(Buffer.from(png)).width;
}

/** A GET through real HTTP that keeps the body as bytes (app.api reads text). */
export async function getBytes(
  app: TestApp,
  path: string,
  key: string | null,
  headers: Record<string, string> = {},
) {
  const res = await fetch(app.url + path, {
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
  });
  return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
}

/** The <article class="card"> elements of a card page, in order, by payee id. */
export function cardIds(html: string): string[] {
  return [...html.matchAll(/<article class="card" data-payee-id="([^"]+)"/g)].map((m) => m[1]!);
}
