import type { InvariantResult } from './checks.js';

export type InvariantReport = {
  ok: boolean;
  /** Offending rows over all checks (complete counts, not just the samples). */
  violations: number;
  results: InvariantResult[];
};

export function toReport(results: InvariantResult[]): InvariantReport {
  const violations = results.reduce((n, r) => n + r.violations.reduce((m, v) => m + v.count, 0), 0);
  return { ok: violations === 0, violations, results };
}

/** The report for a person at a terminal: one line per invariant, then each problem with sample rows. */
export function formatReport(report: InvariantReport): string {
  const lines: string[] = [];
  for (const r of report.results) {
    const n = r.violations.reduce((m, v) => m + v.count, 0);
    lines.push(`${n === 0 ? 'ok  ' : 'FAIL'} ${r.name}${n === 0 ? '' : ` (${n} rows)`}: ${r.description}`);
    for (const v of r.violations) {
      lines.push(`       ${v.problem}: ${v.count}`);
      for (const s of v.sample) lines.push(`         ${JSON.stringify(s)}`);
      if (v.count > v.sample.length) lines.push(`         … and ${v.count - v.sample.length} more`);
    }
  }
  lines.push(
    report.ok
      ? 'all invariants hold'
      : `${report.violations} violation${report.violations === 1 ? '' : 's'} found`,
  );
  return lines.join('\n');
}
