/**
 * The bench's arithmetic and its table, free of I/O (tested in test/unit/bench/stats.test.ts).
 *
 * Percentiles are nearest-rank (the smallest sample with at least p% of the samples at or below it),
 * as k6 and most load tools report them: p100 is the maximum, and a percentile is always a latency
 * that was actually observed.
 */

/** Nearest-rank percentile of `sorted` (ascending); `p` in [0, 100]. NaN for no samples. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is not in [0, 100]`);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[rank - 1]!;
}

export type LatencySummary = {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
};

/** p50/p95/p99/max/mean of latencies in ms (any order; the input is not changed). */
export function summarize(latencies: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(latencies as ArrayLike<number>).sort();
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  return {
    count: n,
    mean: n === 0 ? Number.NaN : sum / n,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: n === 0 ? Number.NaN : sorted[n - 1]!,
  };
}

/** Events per second; 0 when no time passed. */
export const perSecond = (count: number, seconds: number): number => (seconds > 0 ? count / seconds : 0);

/** `value / ceiling`, or undefined when there is no ceiling to compare with. */
export function ratioOf(value: number, ceiling: number | undefined): number | undefined {
  if (ceiling === undefined || !(ceiling > 0) || !Number.isFinite(value)) return undefined;
  return value / ceiling;
}

/** 12345.6 → "12,346"; small rates keep one decimal ("7.5"). Missing → "–". */
export function formatRate(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  if (Math.abs(n) < 100) return n.toFixed(1);
  return Math.round(n).toLocaleString('en-US');
}

/** Milliseconds: "0.42", "3.1", "27", "1,204". Missing → "–". */
export function formatMs(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  if (n < 1) return n.toFixed(2);
  if (n < 10) return n.toFixed(1);
  return Math.round(n).toLocaleString('en-US');
}

/** A whole number (µs, bytes): "1,234". Missing → "–". */
export function formatWhole(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  return Math.round(n).toLocaleString('en-US');
}

/** 0.4567 → "46%"; below 10% one decimal ("3.2%"). Missing → "–". */
export function formatRatio(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return '–';
  const pct = r * 100;
  return pct < 10 ? `${pct.toFixed(1)}%` : `${Math.round(pct)}%`;
}

/** Bytes as MiB: "143 MB" (MiB, as /proc reports kB). Missing → "–". */
export function formatMb(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '–';
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

/** One row of the result table: what was measured, and against which ceiling. */
export type ResultRow = {
  name: string;
  /** Completed operations per second (requests, or events end to end). */
  rate?: number;
  latency?: Pick<LatencySummary, 'p50' | 'p95' | 'p99'>;
  /** Requests that failed (non-2xx, or a transport error). */
  errors?: number;
  /** The ceiling this path is compared with (a row name of the ceilings), and its rate. */
  ceiling?: { name: string; rate: number };
  /** CPU time the server processes spent per operation, in µs (robust to a busy machine, unlike rates). */
  cpu?: { api?: number; worker?: number; postgres?: number };
  /**
   * WAL Postgres wrote per operation, in bytes: what a path writes, counted exactly, so one run can tell
   * a change to the writes from the noise that moves rates and CPU between runs.
   */
  walBytes?: number;
  note?: string;
};

export type TableColumn = { title: string; align: 'left' | 'right'; cell(row: ResultRow): string };

export const resultColumns: TableColumn[] = [
  { title: 'scenario', align: 'left', cell: (r) => r.name },
  { title: 'rate/s', align: 'right', cell: (r) => formatRate(r.rate) },
  { title: 'p50 ms', align: 'right', cell: (r) => formatMs(r.latency?.p50) },
  { title: 'p95 ms', align: 'right', cell: (r) => formatMs(r.latency?.p95) },
  { title: 'p99 ms', align: 'right', cell: (r) => formatMs(r.latency?.p99) },
  { title: 'errors', align: 'right', cell: (r) => (r.errors === undefined ? '–' : String(r.errors)) },
  { title: 'API CPU µs/op', align: 'right', cell: (r) => formatWhole(r.cpu?.api) },
  { title: 'worker CPU µs/op', align: 'right', cell: (r) => formatWhole(r.cpu?.worker) },
  { title: 'PG CPU µs/op', align: 'right', cell: (r) => formatWhole(r.cpu?.postgres) },
  { title: 'PG WAL B/op', align: 'right', cell: (r) => formatWhole(r.walBytes) },
  {
    title: 'of ceiling',
    align: 'right',
    cell: (r) =>
      r.ceiling && r.rate !== undefined
        ? `${formatRatio(ratioOf(r.rate, r.ceiling.rate))} of ${r.ceiling.name}`
        : '',
  },
  { title: 'note', align: 'left', cell: (r) => r.note ?? '' },
];

/** A plain-text table (also valid Markdown): header, separator, one line per row, padded columns. */
export function formatTable(rows: ResultRow[], columns: TableColumn[] = resultColumns): string {
  const cells = rows.map((r) => columns.map((c) => c.cell(r)));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i]!.length)));
  const pad = (text: string, i: number) =>
    columns[i]!.align === 'right' ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
  const line = (texts: string[]) => `| ${texts.map(pad).join(' | ')} |`;
  const separator = `|${widths.map((w, i) => (columns[i]!.align === 'right' ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(columns.map((c) => c.title)), separator, ...cells.map(line)].join('\n');
}

/**
 * Requests a pacer should have sent by `elapsedMs` at `ratePerS`, minus those already sent: how many to
 * send now. Open-loop pacing: late ticks catch up, so the offered rate does not sag when the loop is busy.
 */
export function dueNow(elapsedMs: number, ratePerS: number, sent: number, limit: number): number {
  const due = Math.min(limit, Math.floor((elapsedMs * ratePerS) / 1000));
  return Math.max(0, due - sent);
}

/** The kB number of a `/proc/<pid>/status` VmRSS line, as bytes; undefined when absent. */
export function parseVmRss(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}

/**
 * User + system CPU time of a process in ms, from the text of `/proc/<pid>/stat` (fields 14 and 15, in
 * clock ticks). The command name (field 2) is in parentheses and may hold spaces, so fields are counted
 * after its closing parenthesis.
 */
export function parseProcCpuMs(stat: string, ticksPerSecond = 100): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14 → index 11, stime field 15 → index 12.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return ((utime + stime) * 1000) / ticksPerSecond;
}

/** CPU µs per operation between two readings in ms; undefined without both readings or operations. */
export function cpuMicrosPerOp(
  beforeMs: number | undefined,
  afterMs: number | undefined,
  ops: number,
): number | undefined {
  if (beforeMs === undefined || afterMs === undefined || !(ops > 0)) return undefined;
  return ((afterMs - beforeMs) * 1000) / ops;
}

/** A WAL position as Postgres prints it (`16/B374D848`: high and low 32 bits in hex), in bytes. */
export function lsnBytes(lsn: string): bigint {
  const m = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(lsn.trim());
  if (!m) throw new RangeError(`not a WAL position: ${lsn}`);
  return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`);
}

/** WAL bytes per operation between two WAL positions; undefined without operations. */
export function walBytesPerOp(before: string, after: string, ops: number): number | undefined {
  if (!(ops > 0)) return undefined;
  return Number(lsnBytes(after) - lsnBytes(before)) / ops;
}
