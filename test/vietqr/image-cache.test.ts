import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { createQrImageCache, type QrRenderer } from '../../src/vietqr/image-cache.js';
import { encodeVietQr } from '../../src/vietqr/payload.js';
import { renderQrPng, renderQrSvg } from '../../src/vietqr/render.js';

/** The real renderer, counting its calls (and optionally failing the first ones). */
function countingRenderer(failFirst = 0) {
  const calls = { svg: 0, png: 0 };
  const renderer: QrRenderer = {
    async svg(payload) {
      calls.svg++;
      return renderQrSvg(payload);
    },
    async png(payload, opts) {
      calls.png++;
      if (calls.png <= failFirst) throw new Error('renderer failed');
      return renderQrPng(payload, opts);
    },
  };
  return { renderer, calls };
}

const payloadOf = (n: number) => encodeVietQr({ bin: '970436', account: String(1_000_000 + n) });
const width = (png: Uint8Array) => PNG.sync.read(Buffer.from(png)).width;

describe('createQrImageCache', () => {
  it('draws an image once, however many callers ask at the same moment', async () => {
    const { renderer, calls } = countingRenderer();
    const cache = createQrImageCache({ renderer });
    const payload = payloadOf(1);
    const pngs = await Promise.all(Array.from({ length: 25 }, () => cache.png(payload)));
    const svgs = await Promise.all(Array.from({ length: 25 }, () => cache.svg(payload)));
    expect(calls).toEqual({ svg: 1, png: 1 });
    for (const png of pngs) expect(png).toBe(pngs[0]);
    expect(new Set(svgs).size).toBe(1);
    expect(Buffer.from(pngs[0]!).equals(await renderQrPng(payload, { scale: 8 }))).toBe(true);
    expect(cache.stats()).toMatchObject({ entries: 2, requests: 50, renders: 2 });
  });

  it('keeps each scale of a payload as its own image', async () => {
    const { renderer, calls } = countingRenderer();
    const cache = createQrImageCache({ renderer });
    const payload = payloadOf(2);
    const small = await cache.png(payload, 2);
    const large = await cache.png(payload, 10);
    await cache.png(payload, 10);
    expect(width(large)).toBe(width(small) * 5);
    expect(calls.png).toBe(2);
  });

  it('stays within its byte budget, dropping the least recently used image', async () => {
    const { renderer, calls } = countingRenderer();
    const cache = createQrImageCache({ renderer, maxBytes: 8_000 });
    for (let n = 0; n < 20; n++) await cache.png(payloadOf(100 + n));
    const stats = cache.stats();
    expect(stats.bytes).toBeLessThanOrEqual(8_000);
    expect(stats.entries).toBeGreaterThan(0);
    expect(stats.entries).toBeLessThan(20);
    await cache.png(payloadOf(119)); // the newest is still there
    expect(calls.png).toBe(20);
    await cache.png(payloadOf(100)); // the oldest was dropped and is drawn again
    expect(calls.png).toBe(21);
  });

  it('does not keep a failed render: the next caller draws again', async () => {
    const { renderer, calls } = countingRenderer(1);
    const cache = createQrImageCache({ renderer });
    await expect(cache.png(payloadOf(3))).rejects.toThrow('renderer failed');
    const png = await cache.png(payloadOf(3));
    expect(width(png)).toBeGreaterThan(0);
    expect(calls.png).toBe(2);
  });

  it('refuses what the renderer refuses, without caching it', async () => {
    const cache = createQrImageCache();
    await expect(cache.png(payloadOf(4), 0)).rejects.toThrow(RangeError);
    await expect(cache.svg('')).rejects.toThrow(TypeError);
    expect(cache.stats().entries).toBe(0);
  });

  it('picks the largest scale that fits a width, within the renderer’s 1–50', async () => {
    const cache = createQrImageCache();
    const payload = payloadOf(5);
    for (const target of [64, 200, 333, 1000, 1800]) {
      const scale = cache.scaleForWidth(payload, target);
      const drawn = width(await cache.png(payload, scale));
      expect(drawn).toBeLessThanOrEqual(target);
      expect((drawn / scale) * (scale + 1)).toBeGreaterThan(target);
    }
    expect(cache.scaleForWidth(payload, 10)).toBe(1);
    expect(cache.scaleForWidth(payload, 100_000)).toBe(50);
  });
});

describe('source', () => {
  it('loads what an image is drawn from once, for concurrent callers too', async () => {
    const cache = createQrImageCache();
    let loads = 0;
    const load = async () => {
      loads++;
      return { payload: payloadOf(6) };
    };
    const all = await Promise.all(Array.from({ length: 10 }, () => cache.source('payee:1', load)));
    await cache.source('payee:1', load);
    expect(loads).toBe(1);
    expect(all.every((s) => s?.payload === payloadOf(6))).toBe(true);
  });

  it('does not keep a miss: a payee created just now is found on the next request', async () => {
    const cache = createQrImageCache();
    let row: { payload: string } | undefined;
    expect(await cache.source('payee:2', async () => row)).toBeUndefined();
    row = { payload: payloadOf(7) };
    expect(await cache.source('payee:2', async () => row)).toEqual(row);
  });

  it('loads again once its time to live has passed', async () => {
    const cache = createQrImageCache({ sourceTtlMs: 1 });
    let loads = 0;
    const load = async () => ({ n: ++loads });
    await cache.source('payee:3', load);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await cache.source('payee:3', load)).toEqual({ n: 2 });
  });
});
