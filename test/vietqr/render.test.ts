import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { encodeVietQr } from '../../src/vietqr/payload.js';
import { renderQrPng, renderQrSvg } from '../../src/vietqr/render.js';

// jsqr is CommonJS that sets exports.default; under NodeNext its default import is the exports object.
const jsQR = jsQRModule.default;

function scan(png: Buffer): string | undefined {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}

const payload = encodeVietQr({
  bin: '970436',
  account: '0123456789',
  amount: 150000,
  purpose: 'Hoc phi thang 9',
});

describe('renderQrPng', () => {
  it('draws a code that scans back to the same payload', async () => {
    expect(scan(await renderQrPng(payload))).toBe(payload);
  });

  it('scans back at a print scale too, and the scale sets the size', async () => {
    const small = PNG.sync.read(await renderQrPng(payload, { scale: 2 }));
    const large = await renderQrPng(payload, { scale: 10 });
    expect(PNG.sync.read(large).width).toBe(small.width * 5);
    expect(scan(large)).toBe(payload);
  });

  it('refuses a scale that is not a whole number from 1 to 50', async () => {
    await expect(renderQrPng(payload, { scale: 0 })).rejects.toThrow(RangeError);
    await expect(renderQrPng(payload, { scale: 2.5 })).rejects.toThrow(/whole number/);
    await expect(renderQrPng(payload, { scale: 51 })).rejects.toThrow(RangeError);
    await expect(renderQrPng('')).rejects.toThrow(TypeError);
  });
});

describe('renderQrSvg', () => {
  it('draws a standalone SVG document', async () => {
    const svg = await renderQrSvg(payload);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('<path');
    expect(svg.trimEnd()).toMatch(/<\/svg>$/);
  });

  it('is the same drawing for the same payload', async () => {
    expect(await renderQrSvg(payload)).toBe(await renderQrSvg(payload));
  });
});
