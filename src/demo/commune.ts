/**
 * Writes the demo commune (model.ts) into the database through the features' own store functions, in
 * bulk. Its payment history is played through the public API afterwards (history.ts), while the
 * service already answers; the callback path is what `npm run demo:simulate` exercises.
 */
import type { AppDeps } from '../deps.js';
import { createPayee, type NewPayee } from '../payees/store.js';
import { createHouseholds, createUnit } from '../units/store.js';
import { buildCommune, type Commune } from './model.js';

export type SeedOptions = {
  /** 1 = the full commune (the default); smaller for quick tests. */
  scale?: number;
};

export type SeedSummary = {
  units: number;
  households: number;
  payees: number;
  students: number;
};

/** The commune's units, households and payees, in bulk. */
export async function writeCommune(deps: AppDeps, commune: Commune): Promise<void> {
  const { db } = deps;
  const province = await createUnit(db, { ...commune.province, level: 'province' }, undefined);
  const unit = await createUnit(
    db,
    { ...commune.commune, level: 'commune', parentCode: province.code },
    province,
  );
  for (const h of commune.hamlets) {
    await createUnit(db, { code: h.code, name: h.name, level: 'hamlet', parentCode: unit.code }, unit);
  }
  for (let i = 0; i < commune.households.length; i += 1000) {
    await createHouseholds(
      db,
      commune.households
        .slice(i, i + 1000)
        .map((h) => ({ code: h.code, unitCode: h.hamletCode, members: h.members })),
      () => true,
    );
  }
  const payees: NewPayee[] = [
    ...Object.values(commune.billers).map((b) => ({
      kind: b.kind,
      name: b.name,
      unitCode: unit.code,
      bankBin: b.account.bin,
      accountNumber: b.account.number,
      accountName: b.account.holder,
    })),
    ...commune.schools.map((s) => ({
      kind: 'school' as const,
      name: s.name,
      unitCode: unit.code,
      bankBin: s.account.bin,
      accountNumber: s.account.number,
      accountName: s.account.holder,
    })),
    // The market serves the whole commune: its stalls (and their sales) count on the commune itself.
    ...commune.stalls.map((s) => ({
      kind: 'market_vendor' as const,
      name: s.name,
      unitCode: unit.code,
      bankBin: s.account.bin,
      accountNumber: s.account.number,
      accountName: s.account.holder,
      stallNo: s.stallNo,
    })),
  ];
  await db.transaction(async (tx) => {
    for (const p of payees) await createPayee(tx, p, unit.path);
  });
}

/**
 * Seeds the demo commune (no payments). Deterministic: the same commune every time at the same scale
 * (ids aside, which are random by design).
 */
export async function seedDemoCommune(deps: AppDeps, options: SeedOptions = {}): Promise<SeedSummary> {
  const commune = buildCommune(options.scale ?? 1);
  await writeCommune(deps, commune);
  const summary: SeedSummary = {
    units: 2 + commune.hamlets.length,
    households: commune.households.length,
    payees: commune.stalls.length + commune.schools.length + Object.keys(commune.billers).length,
    students: commune.schools.reduce((n, s) => n + s.students.length, 0),
  };
  return summary;
}
