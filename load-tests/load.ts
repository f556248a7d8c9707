/**
 * The two ways the bench loads a server:
 * - closedLoop: autocannon with N connections, each sending its next request as soon as the previous one
 *   is answered (throughput: how much the server does when it is never idle);
 * - paced: an open-loop load at a fixed rate with node:http keep-alive sockets, each latency measured
 *   from when the request was due (so a stalled server is charged for the requests it kept waiting —
 *   no coordinated omission).
 * Both run in the bench process, never in the server's.
 */
import http from 'node:http';
import autocannon from 'autocannon';
import { dueNow, type LatencySummary, perSecond, summarize } from './stats.js';

export type Outcome = {
  requests: number;
  ok: number;
  /** Answers other than 2xx, and transport errors or timeouts. */
  errors: number;
  statuses: Record<string, number>;
  seconds: number;
  rate: number;
  latency: LatencySummary;
};

export type CannonRequest = {
  method?: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Called before each send of this entry: returns the request to send (a fresh body, another key). */
  setupRequest?: (req: CannonRequest) => CannonRequest;
};

export async function closedLoop(options: {
  url: string;
  connections: number;
  durationS: number;
  requests: CannonRequest[];
  /** Counted as errors when not 2xx; `okStatus` narrows what counts as fine. */
  okStatus?: (status: number) => boolean;
}): Promise<Outcome> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let ok = 0;
  let failed = 0;
  const isOk = options.okStatus ?? ((s: number) => s >= 200 && s < 300);
  const started = performance.now();
  const instance = autocannon(
    {
      url: options.url,
      connections: options.connections,
      duration: options.durationS,
      timeout: 30,
      // biome-ignore lint/suspicious/noExplicitAny: autocannon's request type is looser than ours
      requests: options.requests as any,
    },
    // With a callback autocannon returns its instance (events), and reports the end here.
    () => {},
  );
  const finished = new Promise((resolve) => instance.once('done', resolve));
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    latencies.push(ms);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (isOk(status)) ok++;
    else failed++;
  });
  instance.on('reqError', () => {
    statuses.transport = (statuses.transport ?? 0) + 1;
    failed++;
  });
  await finished;
  const seconds = (performance.now() - started) / 1000;
  const requests = ok + failed;
  return {
    requests,
    ok,
    errors: failed,
    statuses,
    seconds,
    rate: perSecond(ok, seconds),
    latency: summarize(latencies),
  };
}

export type PacedRequest = {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
};

export async function paced(options: {
  url: string;
  ratePerS: number;
  durationS: number;
  next: (i: number) => PacedRequest;
  okStatus?: (status: number) => boolean;
  /** Requests allowed in flight before new ones are not sent (`shed`: the server is not keeping up). */
  maxInFlight?: number;
}): Promise<Outcome> {
  const target = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(options.ratePerS * options.durationS);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const isOk = options.okStatus ?? ((s: number) => s >= 200 && s < 300);
  const maxInFlight = options.maxInFlight ?? 2000;
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let inFlight = 0;
  const started = performance.now();

  const send = (i: number, dueAt: number) =>
    new Promise<void>((resolve) => {
      const r = options.next(i);
      inFlight++;
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: r.method,
          path: r.path,
          agent,
          headers:
            r.body === undefined ? r.headers : { ...r.headers, 'content-length': Buffer.byteLength(r.body) },
        },
        (res) => {
          res.on('data', () => {});
          res.on('end', () => {
            inFlight--;
            latencies.push(performance.now() - dueAt);
            const s = res.statusCode ?? 0;
            statuses[s] = (statuses[s] ?? 0) + 1;
            if (isOk(s)) ok++;
            else failed++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        inFlight--;
        statuses.transport = (statuses.transport ?? 0) + 1;
        failed++;
        resolve();
      });
      req.end(r.body);
    });

  const pending: Promise<void>[] = [];
  await new Promise<void>((done) => {
    const tick = () => {
      const elapsed = performance.now() - started;
      const n = dueNow(elapsed, options.ratePerS, sent, total);
      for (let k = 0; k < n; k++) {
        // When the request was due, not when this tick got to it.
        const dueAt = started + ((sent + 1) * 1000) / options.ratePerS;
        if (inFlight >= maxInFlight) {
          // Not sent: the server is this far behind. Reported as `shed`, not as a failed request.
          statuses.shed = (statuses.shed ?? 0) + 1;
        } else {
          pending.push(send(sent, dueAt));
        }
        sent++;
      }
      if (sent >= total) done();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return {
    requests: sent,
    ok,
    errors: failed,
    statuses,
    seconds,
    rate: perSecond(ok, seconds),
    latency: summarize(latencies),
  };
}
