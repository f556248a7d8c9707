/**
 * How the demo talks to the service: over real HTTP to a running app, or in-process through the app's
 * own `request` (the same routing, middleware, auth, adapters and signature checks, without a port).
 */

export type ApiRequest = { method: string; path: string; body?: string; headers?: Record<string, string> };
export type ApiResponse = { status: number; body: string; headers: Headers };
export type Transport = (req: ApiRequest) => Promise<ApiResponse>;

/**
 * To a running app at `baseUrl` (e.g. http://localhost:3000). A request whose connection breaks is sent
 * again: every request the demo sends is safe to repeat (callbacks and statement lines are deduplicated,
 * bills carry an externalId, cash an Idempotency-Key). A busy embedded server can close a kept-alive
 * connection just as the next request arrives on it.
 */
export function httpTransport(baseUrl: string): Transport {
  const base = baseUrl.replace(/\/+$/, '');
  return async (req) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(base + req.path, {
          method: req.method,
          headers: req.headers,
          body: req.body,
        });
        return { status: res.status, body: await res.text(), headers: res.headers };
      } catch (err) {
        if (attempt >= 5 || !(err instanceof TypeError)) throw err;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  };
}

/** Through the app object itself (Hono's `app.request`). */
export function inProcessTransport(app: {
  request(path: string, init: RequestInit): Response | Promise<Response>;
}): Transport {
  return async (req) => {
    const res = await app.request(`http://demo.local${req.path}`, {
      method: req.method,
      headers: req.headers,
      body: req.body,
    });
    return { status: res.status, body: await res.text(), headers: res.headers };
  };
}

export class DemoError extends Error {
  override name = 'DemoError';
}

/** A JSON API client over a transport, with a key; retries what the service asks to retry (429, 503). */
export function apiClient(transport: Transport, key: string) {
  async function send(req: ApiRequest, expect: number[]): Promise<ApiResponse> {
    for (let attempt = 0; ; attempt++) {
      const res = await transport(req);
      if ((res.status === 429 || res.status === 503) && attempt < 8) {
        const after = Number(res.headers.get('retry-after') ?? '1');
        await new Promise((r) => setTimeout(r, Math.min(10, Math.max(0.2, after)) * 1000));
        continue;
      }
      if (!expect.includes(res.status)) {
        throw new DemoError(
          `${req.method} ${req.path.split('?')[0]} → ${res.status}: ${res.body.slice(0, 500)}`,
        );
      }
      return res;
    }
  }
  const auth = { authorization: `Bearer ${key}` };
  return {
    send,
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers, shaped by the API contract
    async json<T = any>(
      method: string,
      path: string,
      body?: unknown,
      expect = [200, 201],
      headers: Record<string, string> = {},
    ): Promise<T> {
      const res = await send(
        {
          method,
          path,
          body: body === undefined ? undefined : JSON.stringify(body),
          headers:
            body === undefined
              ? { ...auth, ...headers }
              : { ...auth, ...headers, 'content-type': 'application/json' },
        },
        expect,
      );
      return JSON.parse(res.body) as T;
    },
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers, shaped by the API contract
    async text<T = any>(path: string, body: string, contentType: string, expect = [200, 201]): Promise<T> {
      const res = await send(
        { method: 'POST', path, body, headers: { ...auth, 'content-type': contentType } },
        expect,
      );
      return JSON.parse(res.body) as T;
    },
  };
}

export type ApiClient = ReturnType<typeof apiClient>;

/** Runs `work` over `items` with at most `concurrency` at a time, in order of start. */
export async function inPool<T>(
  items: T[],
  concurrency: number,
  work: (item: T, i: number) => Promise<void>,
) {
  let next = 0;
  let failed: unknown;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length && failed === undefined) {
        const i = next++;
        try {
          await work(items[i]!, i);
        } catch (err) {
          failed ??= err;
        }
      }
    }),
  );
  if (failed !== undefined) throw failed;
}
