import { describe, expect, it } from 'vitest';
import { formatStatements, type StatementStat, statementHead } from '../../../load-tests/statements.js';

const stat = (query: string, over: Partial<StatementStat>): StatementStat => ({
  query,
  calls: 1,
  rows: 1,
  totalMs: 1,
  blocks: 0,
  walBytes: 0,
  ...over,
});

describe('Postgres statements in the bench profile (load-tests/statements.ts)', () => {
  it('lists the statements most time first, with their share, and what one call cost', () => {
    const text = formatStatements('Postgres during "callbacks"', [
      stat('select 1', { calls: 100, rows: 100, totalMs: 250, blocks: 0 }),
      stat('update transactions\n   set status = $1\n  where id = $2', {
        calls: 10,
        rows: 880,
        totalMs: 750,
        blocks: 3_630,
        walBytes: 10 * 12_800,
      }),
    ]);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Postgres during "callbacks": 1.0 s of execution in 2 statements (waits included)');
    expect(lines[1]).toMatch(
      /^ {3}75\.0% +750 ms +10 calls +75\.0 ms\/call +88 rows\/call +363 blocks\/call +12\.5 WAL kB\/call +update transactions set status = \$1 where id = \$2$/,
    );
    expect(lines[2]).toMatch(
      /^ {3}25\.0% +250 ms +100 calls +2\.5 ms\/call +1 rows\/call +0 blocks\/call +0\.0 WAL kB\/call +select 1$/,
    );
  });

  it('keeps the top ones, and says when there was nothing', () => {
    const many = Array.from({ length: 30 }, (_, i) => stat(`select ${i}`, { totalMs: i + 1 }));
    const lines = formatStatements('t', many, 5).split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[1]).toMatch(/select 29$/);
    expect(lines[5]).toMatch(/select 25$/);
    expect(formatStatements('t', [])).toBe('t: no statements');
    expect(formatStatements('t', [stat('select 1', { totalMs: 0 })])).toBe('t: no statements');
  });

  it('puts a statement on one line, cut to a width', () => {
    expect(statementHead('with x as (\n  select 1\n)\nselect *\tfrom x')).toBe(
      'with x as ( select 1 ) select * from x',
    );
    const long = statementHead(`select ${'a, '.repeat(100)}b`, 20);
    expect(long).toHaveLength(20);
    expect(long.endsWith('…')).toBe(true);
  });
});
