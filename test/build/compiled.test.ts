import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../load-tests/processes.js';
import { root, until } from '../support/reliability-processes.js';

// Production runs the build (`npm run build`, then `node dist/...`): what the code reads next to itself at
// run time (migrations, page assets) must be in dist/, and the entry points must start without tsx.
const dataDir = mkdtempSync(join(tmpdir(), 'cc-dist-'));
const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, DEMO: '0', LOG_LEVEL: 'warn' };
delete env.DATABASE_URL; // embedded: this test needs no services
delete env.REDIS_URL;
let service: ChildProcess | undefined;

beforeAll(() => {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { cwd: root, stdio: 'pipe' });
});
afterAll(() => {
  service?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the compiled service (dist/)', () => {
  it('migrates, makes a key with the compiled CLI, serves the API and its assets, and stops on SIGTERM', async () => {
    const key = execFileSync(process.execPath, ['dist/scripts/create-api-key.js', '--role', 'admin'], {
      cwd: root,
      env,
      encoding: 'utf8',
    }).trim();
    expect(key).toMatch(/^\S{20,}$/);

    const port = await freePort();
    const proc = spawn(process.execPath, ['dist/src/main.js'], {
      cwd: root,
      env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: 'ignore',
    });
    service = proc;
    const base = `http://127.0.0.1:${port}`;
    await until(async () => (await fetch(`${base}/healthz`)).status === 200, 60_000, 'compiled service up');

    const keys = await fetch(`${base}/v1/api-keys`, { headers: { authorization: `Bearer ${key}` } });
    expect(keys.status).toBe(200);
    for (const [asset, type] of [
      ['app.css', 'text/css'],
      ['dashboard.js', 'text/javascript'],
      ['vendor.js', 'text/javascript'],
    ]) {
      const res = await fetch(`${base}/assets/${asset}`);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    expect((await fetch(`${base}/docs`)).status).toBe(200);

    const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    service = undefined;
  });
});
