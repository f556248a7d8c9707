/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and lists the functions with the most self time, and the
 * files (our modules, dependencies) time is spent in. Used by `npm run bench -- --profile`, or alone:
 *   npx tsx load-tests/profile.ts <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

type Node = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
};
type Profile = {
  nodes: Node[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
};

export type Hot = { name: string; where: string; selfMs: number; share: number };

/**
 * A time window in µs of CLOCK_MONOTONIC, the clock of both V8's profile timestamps and
 * process.hrtime() on Linux: so the bench can say "only while this load ran".
 */
export type Window = { fromUs: number; toUs: number };

export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Self time per function (by name and location), most first; only samples inside `window` if given. */
export function hotFunctions(
  profile: Profile,
  top = 25,
  window?: Window,
): { total: number; functions: Hot[]; files: Hot[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let t = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i] ?? 0;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    const id = samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0) / 1000);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, Hot>();
  const file = new Map<string, Hot>();
  for (const [id, ms] of self) {
    const f = byId.get(id)!.callFrame;
    const where = shortUrl(f.url);
    const name = f.functionName || '(anonymous)';
    const key = `${name} ${where}:${f.lineNumber + 1}`;
    const h = fn.get(key) ?? { name, where: `${where}:${f.lineNumber + 1}`, selfMs: 0, share: 0 };
    h.selfMs += ms;
    fn.set(key, h);
    const group = fileGroup(f.url, name);
    const g = file.get(group) ?? { name: group, where: '', selfMs: 0, share: 0 };
    g.selfMs += ms;
    file.set(group, g);
  }
  const rank = (m: Map<string, Hot>) =>
    [...m.values()]
      .map((h) => ({ ...h, share: total > 0 ? h.selfMs / total : 0 }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top);
  return { total, functions: rank(fn), files: rank(file) };
}

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
}

/** A package name, one of our source folders, node internals, or (gc)/(program)/(idle). */
function fileGroup(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = url.indexOf('/src/');
  if (src >= 0)
    return url
      .slice(src + 1)
      .split('/')
      .slice(0, 2)
      .join('/');
  if (url.startsWith('node:')) return url.split('/')[0]!;
  return url;
}

export function formatHot(title: string, profile: Profile, top = 20, window?: Window): string {
  const { total, functions, files } = hotFunctions(profile, top, window);
  const line = (h: Hot) =>
    `  ${(h.share * 100).toFixed(1).padStart(5)}%  ${h.selfMs.toFixed(0).padStart(7)} ms  ${h.name}${h.where ? `  ${h.where}` : ''}`;
  return [
    `${title}: ${(total / 1000).toFixed(1)} s sampled`,
    '  by package / source folder (self time):',
    ...files.slice(0, 15).map(line),
    '  by function (self time):',
    ...functions.map(line),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npx tsx load-tests/profile.ts <file.cpuprofile> [top]');
    process.exit(1);
  }
  console.log(formatHot(file, JSON.parse(readFileSync(file, 'utf8')), Number(process.argv[3] ?? 25)));
}
