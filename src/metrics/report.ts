import { assertRole, assertVisible, type Principal } from '../auth/principal.js';
import type { DbOrTx } from '../db/client.js';
import type { Clock } from '../deps.js';
import { badRequest, invalid } from '../http/errors.js';
import { getUnit, listChildren, type Unit } from '../units/store.js';
import { daysInRange, monthStart, vnDay } from './day.js';
import { ratios, share } from './ratio.js';
import { type GroupBy, MAX_DAYS, MAX_DAYS_BY_DAY, type MetricsResponse } from './schema.js';
import { cashlessFigures, emptySlice, householdsByChild, householdsUnder, marketFigures } from './store.js';

export type MetricsRequest = { unit?: string; from?: string; to?: string; groupBy?: GroupBy };

/**
 * The unit a metrics caller asks about, checked against the key's scope: an unknown unit and a unit
 * outside the key's subtree both read as 404, so a commune cannot learn that another one exists.
 */
export async function metricsUnit(db: DbOrTx, p: Principal, code: string | undefined): Promise<Unit> {
  assertRole(p, 'admin', 'staff');
  const wanted = code ?? p.unitCode;
  if (!wanted) throw badRequest('unit_required', 'Say which unit: ?unit=CODE');
  const found = await getUnit(db, wanted);
  return assertVisible(p, 'Unit', found && { ...found, unitPath: found.path, payeeId: null });
}

/** The period asked for, with defaults (this month so far, in Vietnam) and its limits. */
export function metricsPeriod(
  clock: Clock,
  q: Pick<MetricsRequest, 'from' | 'to' | 'groupBy'>,
): { from: string; to: string } {
  const to = q.to ?? vnDay(clock.now());
  const from = q.from ?? monthStart(to);
  if (from > to) throw invalid('invalid_range', `from (${from}) is after to (${to})`);
  const days = daysInRange(from, to);
  const max = q.groupBy === 'day' ? MAX_DAYS_BY_DAY : MAX_DAYS;
  if (days > max) {
    throw invalid(
      'range_too_large',
      `A range of ${days} days is over the maximum of ${max}${q.groupBy === 'day' ? ' with groupBy=day' : ''}`,
      { days, maxDays: max },
    );
  }
  return { from, to };
}

/** The cashless metrics of api.md for one unit and period. */
export async function cashlessReport(
  db: DbOrTx,
  unit: Unit,
  period: { from: string; to: string },
  groupBy?: GroupBy,
): Promise<MetricsResponse> {
  const q = { unitCode: unit.code, unitPath: unit.path, ...period, groupBy };
  const [figures, householdsOfUnit, market, children, childHouseholds] = await Promise.all([
    cashlessFigures(db, q),
    // By unit, the total is the sum of the children's counts (and the unit's own): one count, not two.
    groupBy === 'unit' ? Promise.resolve(0) : householdsUnder(db, unit.path),
    marketFigures(db, unit, period.from, period.to),
    groupBy === 'unit' ? listChildren(db, unit.code) : Promise.resolve([]),
    groupBy === 'unit' ? householdsByChild(db, unit.path) : Promise.resolve(new Map<string, number>()),
  ]);
  const householdTotal =
    groupBy === 'unit' ? [...childHouseholds.values()].reduce((a, b) => a + b, 0) : householdsOfUnit;
  const names = new Map(children.map((c) => [c.code, c.name]));
  names.set(unit.code, unit.name);
  let groups = figures.groups;
  if (groupBy === 'unit') {
    // Every child appears, with or without payments; payments counted on the unit itself come last.
    const byKey = new Map(groups.map((g) => [g.key, g]));
    const own = byKey.get(unit.code);
    groups = [
      ...children.map((c) => byKey.get(c.code) ?? { key: c.code, slice: emptySlice() }),
      ...(own ? [own] : []),
    ];
  }
  // Households registered on the unit itself (not in any child) are under the '' key.
  const householdsOf = (key: string) => childHouseholds.get(key === unit.code ? '' : key) ?? 0;
  const t = figures.totals;
  return {
    unit: unit.code,
    ...period,
    groupBy: groupBy ?? null,
    totals: { cashless: t.cashless, cash: t.cash, ratio: ratios(t.cashless, t.cash) },
    groups: groups.map(({ key, slice }) => ({
      key,
      ...(groupBy === 'unit' ? { name: names.get(key) ?? key } : {}),
      cashless: slice.cashless,
      cash: slice.cash,
      ratio: ratios(slice.cashless, slice.cash),
      ...(groupBy === 'unit'
        ? {
            households: {
              total: householdsOf(key),
              adopters: slice.adopters,
              adoptionRate: share(slice.adopters, householdsOf(key)),
            },
          }
        : {}),
    })),
    households: {
      total: householdTotal,
      adopters: t.adopters,
      adoptionRate: share(t.adopters, householdTotal),
    },
    market,
  };
}
