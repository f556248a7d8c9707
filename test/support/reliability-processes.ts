import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import { freePort } from '../../load-tests/processes.js';

/** The repository root (the API and workers run from here, as `npm start` / `npm run worker` would). */
export const root = resolve(import.meta.dirname, '../..');

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
  /** Still running (not exited, not killed). */
  alive(): boolean;
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
  // All of it: the log tests search a process's whole output for secrets.
  const keep = (d: Buffer) => {
    out += d;
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const signal = async (s: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(s);
    return exited;
  };
  return {
    name,
    pid: child.pid!,
    output: () => out,
    alive: () => child.exitCode === null && child.signalCode === null,
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
): Promise<ServiceProcess & { url: string; startedInMs: number }> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const p = launch(name, 'src/main.ts', { HOST: '127.0.0.1', ROLE: 'api', ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  let dead = false;
  void p.exited.then(() => {
    dead = true;
  });
  const started = Date.now();
  try {
    // Generous: on a loaded 2-core machine, transpiling and connecting can take a minute or more.
    await until(async () => dead || (await fetch(`${url}/healthz`)).ok, 180_000, `${name} listening`);
    if (dead) throw new Error(`${name} exited while starting`);
  } catch (err) {
    await p.kill();
    throw new Error(`${(err as Error).message}\n${p.output().slice(-3000)}`);
  }
  return { ...p, url, startedInMs: Date.now() - started };
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
    /** Stops it for good and removes its folder. */
    async destroy() {
      await this.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The newest installed PostgreSQL server binaries (Debian: /usr/lib/postgresql/<major>/bin), or PG_BIN. */
export function postgresBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) throw new Error(`no PostgreSQL server binaries under ${base} (set PG_BIN)`);
  return join(base, majors[0]!, 'bin');
}

/**
 * A PostgreSQL server of the test's own: `initdb` in a temporary folder, its own port, started and
 * stopped by the test. The machine's shared server is never touched, so restarting this one disturbs
 * nothing else. Postgres refuses to run as root: as root, it runs as the `postgres` user.
 */
export function privatePostgres() {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'cc-pg-'));
  const data = join(dir, 'data');
  const user =
    process.getuid?.() === 0
      ? {
          uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
          gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
        }
      : {};
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!);
  let port = 0;
  let server: ChildProcess | undefined;
  let log = '';
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const answers = async () => {
    const client = postgres(url(), { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await client`select 1`;
      return true;
    } finally {
      await client.end({ timeout: 1 });
    }
  };
  return {
    url,
    /** What the server printed (for a failing test's message). */
    output: () => log.slice(-4000),
    async start() {
      port ||= await freePort();
      if (!existsSync(data)) {
        execFileSync(
          join(bin, 'initdb'),
          ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'],
          { ...user, env: { ...process.env, TZ: 'UTC' }, stdio: 'pipe' },
        );
      }
      // -F (no fsync): only the process is ever killed here, never the machine, so what it wrote to
      // the kernel survives a crash exactly as it would with fsync; crash recovery still replays the WAL.
      const s = spawn(
        join(bin, 'postgres'),
        ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-F', '-c', 'max_connections=200'],
        { ...user, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      s.stderr!.on('data', (d) => {
        log = (log + d).slice(-20_000);
      });
      server = s;
      let dead = false;
      void new Promise((done) => s.once('exit', done)).then(() => {
        dead = true;
      });
      await until(async () => dead || (await answers()), 60_000, 'private postgres accepting queries');
      if (dead) throw new Error(`private postgres exited while starting\n${log.slice(-3000)}`);
    },
    /**
     * `fast`: the clean shutdown a supervisor's restart does (sessions cut, checkpoint). `immediate`:
     * the server dies where it stands, like a crash or an OOM kill; the next start replays the WAL.
     */
    async stop(mode: 'fast' | 'immediate' = 'fast') {
      const s = server;
      if (!s) return;
      server = undefined;
      if (s.exitCode !== null || s.signalCode !== null) return;
      await new Promise<void>((done) => {
        s.once('exit', () => done());
        s.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
      });
    },
    async destroy() {
      await this.stop('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
