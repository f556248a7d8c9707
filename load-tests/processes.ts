/** The bench's child processes (API, worker, hello-world): started, watched for memory, stopped. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { parseProcCpuMs, parseVmRss } from './stats.js';

export type Child = { name: string; process: ChildProcess; pid: number; log: string };

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * `node [nodeArgs] <script>`: compiled JavaScript as deployed (`npm run build`), or TypeScript with
 * `--import tsx`, the loader `tsx <script>` uses but with the script in this very process id (tsx's CLI
 * would put a wrapper process in between, whose RSS is not the server's). Output goes to `log`, as a
 * service's would go to its log file.
 */
export function startChild(
  name: string,
  script: string,
  env: Record<string, string>,
  log: string,
  nodeArgs: string[] = [],
): Child {
  const fd = openSync(log, 'a');
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...nodeArgs, ...loader, script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd],
  });
  if (child.pid === undefined) throw new Error(`${name}: did not start`);
  return { name, process: child, pid: child.pid, log };
}

/** Polls `url` until it answers 200; fails when the child exits first or after `timeoutMs`. */
export async function waitReady(child: Child, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) {
      throw new Error(
        `${child.name} exited (${child.process.exitCode}); see ${child.log}:\n${tail(child.log)}`,
      );
    }
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${child.name} not ready at ${url} after ${timeoutMs} ms; see ${child.log}`);
}

export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** SIGTERM (the service's graceful shutdown), then SIGKILL if it is still there after `graceMs`. */
export async function stopChild(child: Child, graceMs = 35_000): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export function rssOf(pid: number): number | undefined {
  try {
    return parseVmRss(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Samples each child's RSS every `everyMs` until stopped; reports the maximum seen per child. */
export function sampleRss(children: Child[], everyMs = 250) {
  const max = new Map<string, number>();
  const sample = () => {
    for (const c of children) {
      const rss = rssOf(c.pid);
      if (rss !== undefined && rss > (max.get(c.name) ?? 0)) max.set(c.name, rss);
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop(): Map<string, number> {
      clearInterval(timer);
      sample();
      return max;
    },
  };
}

let ticks: number | undefined;
/** Clock ticks per second of /proc/<pid>/stat (getconf CLK_TCK; 100 on Linux almost always). */
function ticksPerSecond(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** User + system CPU ms the process has used so far. */
export function cpuMsOf(pid: number): number | undefined {
  try {
    return parseProcCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'), ticksPerSecond());
  } catch {
    return undefined;
  }
}
