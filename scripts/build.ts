// Compiles the service to plain JavaScript in dist/, for production: `node dist/src/main.js` and
// `node dist/workers/all.js`. Run from source (tsx), each process also carries tsx's loader, a second
// V8 isolate: about 50 MB of RSS in a worker that a compiled one does not have.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist`;
const started = performance.now();
rmSync(dist, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
  { cwd: root, stdio: 'inherit' },
);
// What the code reads next to itself at run time (paths relative to its own module).
for (const dir of ['migrations', 'src/web/static', 'src/counter/static'])
  cpSync(`${root}${dir}`, `${dist}/${dir}`, { recursive: true });
console.error(`built dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s`);
