import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memosCompatible } from '../../../src/transactions/fingerprint.js';
import { mayBeOneCredit, nextRound } from '../../../src/transactions/record.js';

type Facts = Parameters<typeof mayBeOneCredit>[0];
const report = (channel: string, sourceRef: string, codes: string[], over: Partial<Facts> = {}): Facts => ({
  channel,
  sourceRef,
  direction: 'in',
  accountNumber: '0001',
  amount: 120_000,
  memo: `${codes.join(' ')} hoc phi`,
  bookedAt: new Date('2026-11-29T03:00:00Z'),
  referenceCodes: codes,
  ...over,
});

/** Rounds until nothing is pending (no collisions: those come from the database). */
function allRounds(reports: Facts[]): number[][] {
  const rounds: number[][] = [];
  let pending = reports.map((_, i) => i);
  while (pending.length > 0) {
    const { round, later } = nextRound(reports, pending);
    rounds.push(round);
    pending = later;
  }
  return rounds;
}

describe('recording rounds', () => {
  it('a class paying one fee with distinct codes is one round, from any mix of channels', () => {
    const reports = Array.from({ length: 30 }, (_, i) =>
      report(i % 2 ? 'callback:sepay' : 'callback:payos', `e${i}`, [`CC${String(i).padStart(8, '0')}`]),
    );
    expect(allRounds(reports)).toEqual([reports.map((_, i) => i)]);
  });

  it('one credit from two channels, and a report without codes, wait for what came before them', () => {
    const reports = [
      report('callback:sepay', 'a', ['CCAAAAAAAA']),
      report('callback:sepay', 'b', ['CCBBBBBBBB']),
      report('callback:generic', 'c', ['CCAAAAAAAA']), // the same credit as 0
      report('callback:generic', 'd', ['CCCCCCCCCC']),
      report('callback:payos', 'e', []), // no codes: may be any of them
      report('callback:sepay', 'f', ['CCDDDDDDDD'], { amount: 50_000 }), // another amount
    ];
    expect(allRounds(reports)).toEqual([[0, 1, 5], [2, 3], [4]]);
  });

  it('the same report twice in one batch goes in two rounds', () => {
    const reports = [report('callback:sepay', 'a', []), report('callback:sepay', 'a', [])];
    expect(allRounds(reports)).toEqual([[0], [1]]);
  });

  it('never puts two reports that may be one credit in one round, and keeps each account and amount in order', () => {
    const codes = fc.subarray(['CCAAAAAAAA', 'CCBBBBBBBB', 'CCCCCCCCCC'], { maxLength: 2 });
    const one = fc.record({
      channel: fc.constantFrom('callback:sepay', 'callback:payos', 'statement'),
      sourceRef: fc.constantFrom('1', '2', '3', '4'),
      amount: fc.constantFrom(10_000, 20_000),
      codes,
    });
    fc.assert(
      fc.property(fc.array(one, { maxLength: 25 }), (rows) => {
        const reports = rows.map((r) => report(r.channel, r.sourceRef, r.codes, { amount: r.amount }));
        const rounds = allRounds(reports);
        expect(rounds.flat().sort((a, b) => a - b)).toEqual(reports.map((_, i) => i));
        const roundOf = new Map(rounds.flatMap((round, n) => round.map((i) => [i, n] as const)));
        for (const [i, a] of reports.entries())
          for (const [j, b] of reports.entries()) {
            if (j <= i || a.amount !== b.amount) continue;
            // order kept within an account and amount
            expect(roundOf.get(i)!).toBeLessThanOrEqual(roundOf.get(j)!);
            if (mayBeOneCredit(a, b)) expect(roundOf.get(i)!).toBeLessThan(roundOf.get(j)!);
          }
      }),
    );
  });

  it('two reports it lets share a round are never the same credit by their memos', () => {
    // Different channels with disjoint codes: memosCompatible says two payments, whatever the rest.
    const a = report('callback:sepay', 'a', ['CCAAAAAAAA'], { memo: 'CCAAAAAAAA NGUYEN VAN A hoc phi' });
    const b = report('callback:payos', 'b', ['CCBBBBBBBB'], { memo: 'CCBBBBBBBB NGUYEN VAN A hoc phi' });
    expect(mayBeOneCredit(a, b)).toBe(false);
    expect(memosCompatible(a, b)).toBe(false);
  });
});
