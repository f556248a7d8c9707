/**
 * QR images cached by payload: a market's 300 stall cards or a school's 600 bills are drawn once, then
 * served from memory. Rendering is a pure function of (payload, format, scale), so an image never goes
 * stale; the cache is bounded by bytes and drops the least recently used images first.
 *
 * Concurrent misses for the same image share one render: lru-cache's `fetch` keeps the pending promise
 * in the cache, and every caller that asks while it runs gets that same promise. A failed render is not
 * kept, so the next request tries again.
 *
 * `source()` is the step before: a short-lived memo of what an image is drawn from (a payee's payload
 * and scope, by payee id; a payment request's payload, status and scope, for a second), so serving a
 * cached image does not cost a database query each time.
 *
 * Created once at start (`createDeps`) and passed in as `deps.qrImages`; no module state.
 */
import { LRUCache } from 'lru-cache';
import { qrWidthInModules, renderQrPng, renderQrSvg } from './render.js';

/** What draws the images; the real renderer unless a test wants to count its calls. */
export type QrRenderer = {
  svg(payload: string): Promise<string>;
  png(payload: string, opts: { scale: number }): Promise<Uint8Array>;
};

export type QrImageCacheOptions = {
  /** Upper bound on the bytes of cached images (default 32 MiB: ~10,000 PNGs at scale 8). */
  maxBytes?: number;
  /** How long `source()` keeps what it loaded (default 30 s, as the API-key cache). */
  sourceTtlMs?: number;
  renderer?: QrRenderer;
};

export type QrImageCacheStats = {
  entries: number;
  bytes: number;
  maxBytes: number;
  /** Images asked for, and how many of those had to be drawn. */
  requests: number;
  renders: number;
};

/**
 * PNGs are kept as a copy with an ArrayBuffer of their own: what qrcode returns may be a view on
 * Node's shared 8 KiB allocation pool, which would keep the whole slab alive and miscount the bytes.
 */
export type Png = Uint8Array<ArrayBuffer>;

export type QrImageCache = {
  svg(payload: string): Promise<string>;
  /** `scale` is pixels per module, a whole number from 1 to 50 (default 8: ~300 px for a stall code). */
  png(payload: string, scale?: number): Promise<Png>;
  /** The largest scale whose PNG is at most `width` pixels wide (at least 1). */
  scaleForWidth(payload: string, width: number): number;
  /**
   * What an image is drawn from, by the caller's key (`payee:<id>`), loaded at most once per
   * `sourceTtlMs`: a changed source shows within that time. `undefined` (not found) is not kept.
   */
  source<T extends object>(
    key: string,
    load: () => Promise<T | undefined>,
    options?: { ttlMs?: number },
  ): Promise<T | undefined>;
  /** Drops what `source()` keeps under `key`: this process changed it (a cancelled bill). */
  forget(key: string): void;
  stats(): QrImageCacheStats;
  clear(): void;
};

export const DEFAULT_PNG_SCALE = 8;
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
const DEFAULT_SOURCE_TTL_MS = 30_000;
const defaultRenderer: QrRenderer = { svg: renderQrSvg, png: renderQrPng };

type Image = string | Png;
type Load<V> = () => Promise<V | undefined>;

export function createQrImageCache(options: QrImageCacheOptions = {}): QrImageCache {
  const renderer = options.renderer ?? defaultRenderer;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  let requests = 0;
  let renders = 0;

  const images = new LRUCache<string, Image, Load<Image>>({
    maxSize: maxBytes,
    // Strings are counted at two bytes a character: what V8 may hold them in, and an upper bound.
    sizeCalculation: (image) => Math.max(1, typeof image === 'string' ? image.length * 2 : image.byteLength),
    fetchMethod: (_key, _stale, { context }) => {
      renders++;
      return context();
    },
  });
  // Widths in modules, for ?size=: a number per payload, so a count bound is enough.
  const widths = new LRUCache<string, number>({ max: 10_000 });
  const sources = new LRUCache<string, object, Load<object>>({
    max: 10_000,
    ttl: options.sourceTtlMs ?? DEFAULT_SOURCE_TTL_MS,
    fetchMethod: (_key, _stale, { context }) => context(),
  });

  async function cached<T extends Image>(key: string, render: () => Promise<T>): Promise<T> {
    requests++;
    const image = await images.fetch(key, { context: render });
    // fetch resolves undefined only when the fetch was aborted, which nothing here does.
    if (image === undefined) throw new Error('QR image render was aborted');
    return image as T;
  }

  return {
    svg: (payload) => cached(`svg\u0000${payload}`, () => renderer.svg(payload)),
    png: (payload, scale = DEFAULT_PNG_SCALE) =>
      cached(
        `png:${scale}\u0000${payload}`,
        async () => new Uint8Array(await renderer.png(payload, { scale })),
      ),
    scaleForWidth(payload, width) {
      let modules = widths.get(payload);
      if (modules === undefined) {
        modules = qrWidthInModules(payload);
        widths.set(payload, modules);
      }
      return Math.min(50, Math.max(1, Math.floor(width / modules)));
    },
    source: <T extends object>(key: string, load: () => Promise<T | undefined>, opts?: { ttlMs?: number }) =>
      sources.fetch(key, { context: load, ttl: opts?.ttlMs }) as Promise<T | undefined>,
    forget(key) {
      sources.delete(key);
    },
    stats: () => ({ entries: images.size, bytes: images.calculatedSize, maxBytes, requests, renders }),
    clear() {
      images.clear();
      widths.clear();
      sources.clear();
    },
  };
}
