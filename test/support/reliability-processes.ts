import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root (the API and workers run from here, as `npm start` / `npm run worker` would). */
export const root = resolve(import.meta.dirname, '../..');

export const freePort = () =>
  new Promise<number>((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });

export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 30_000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (
      await Promise.resolve()
        .then(check)
        .catch(() => false)
    )
      return;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A real process of ours (the API or a worker), its output kept for the test to read. */
export type ServiceProcess = {
  name: string;
  pid: number;
  url?: string;
  output(): string;
  /** SIGTERM and wait: the graceful shutdown. Resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: the process dies where it stands. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
};

/**
 * `node --import tsx <entry>` (node itself, not the tsx wrapper, so a signal reaches the process that
 * does the work). Only the given environment plus PATH/HOME: nothing leaks in from the test runner.
 */
function launch(name: string, entry: string, env: Record<string, string>): ServiceProcess {
  let out = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? tmpdir(), NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const signal = async (s: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(s);
    return exited;
  };
  return {
    name,
    pid: child.pid!,
    output: () => out,
    stop: () => signal('SIGTERM'),
    kill: async () => {
      await signal('SIGKILL');
    },
    exited,
  };
}

/** The API (`npm start`) on its own port; resolves once /healthz answers. */
export async function startApi(
  env: Record<string, string>,
  name = 'api',
): Promise<ServiceProcess & { url: string }> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const p = launch(name, 'src/main.ts', { HOST: '127.0.0.1', ROLE: 'api', ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  let dead = false;
  void p.exited.then(() => {
    dead = true;
  });
  try {
    await until(async () => dead || (await fetch(`${url}/healthz`)).ok, 90_000, `${name} listening`);
    if (dead) throw new Error(`${name} exited while starting`);
  } catch (err) {
    await p.kill();
    throw new Error(`${(err as Error).message}\n${p.output().slice(-3000)}`);
  }
  return { ...p, url };
}

/** A worker (`npm run worker`): every background job, no HTTP. */
export function startWorker(env: Record<string, string>, name = 'worker'): ServiceProcess {
  return launch(name, 'workers/all.ts', env);
}

/** A Redis server of the test's own, on its own port, that the test stops and starts. */
export function privateRedis() {
  const dir = mkdtempSync(join(tmpdir(), 'cc-redis-'));
  let port = 0;
  let server: ChildProcess | undefined;
  const listening = () =>
    new Promise<boolean>((done) => {
      const s = createServer();
      s.once('error', () => done(true)); // the port is taken: redis is listening
      s.listen(port, '127.0.0.1', () => s.close(() => done(false)));
    });
  return {
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    async start() {
      port ||= await freePort();
      // Append-only: what BullMQ held survives a stop, as with a real Redis restarted by its supervisor.
      server = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''],
        { stdio: 'ignore' },
      );
      await until(listening, 15_000, 'redis listening');
    },
    async stop() {
      const s = server;
      if (!s) return;
      server = undefined;
      await new Promise<void>((done) => {
        s.once('exit', () => done());
        s.kill('SIGTERM');
      });
    },
  };
}
