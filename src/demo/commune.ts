import type { AppDeps } from '../deps.js';
import { createPayee } from '../payees/store.js';
import { createHouseholds, createUnit, getUnit } from '../units/store.js';

/**
 * A small demo commune: a province, one commune with hamlets, households and a market.
 * Deterministic, so the same demo appears on every fresh start.
 */
export async function seedDemoCommune(deps: AppDeps) {
  const { db } = deps;
  const province = await createUnit(
    db,
    { code: '01', name: 'Thành phố Hà Nội', level: 'province' },
    undefined,
  );
  const commune = await createUnit(
    db,
    { code: '00004', name: 'Xã Minh Phú', level: 'commune', parentCode: '01' },
    province,
  );
  const hamletNames = ['Thôn Đông', 'Thôn Đoài', 'Thôn Thượng', 'Thôn Hạ', 'Xóm Mới', 'Xóm Chợ'];
  for (const [i, name] of hamletNames.entries()) {
    await createUnit(
      db,
      { code: `00004-H${i + 1}`, name, level: 'hamlet', parentCode: commune.code },
      commune,
    );
  }
  const households = hamletNames.flatMap((_, h) =>
    Array.from({ length: 40 }, (_, n) => ({
      code: `HH-${h + 1}-${String(n + 1).padStart(3, '0')}`,
      unitCode: `00004-H${h + 1}`,
      members: 2 + ((h * 7 + n) % 5),
    })),
  );
  await createHouseholds(db, households, () => true);
  const market = (await getUnit(db, '00004-H6'))!;
  for (let s = 1; s <= 20; s++) {
    await createPayee(
      db,
      {
        kind: 'market_vendor',
        name: `Sạp ${s}`,
        unitCode: market.code,
        bankBin: '970436',
        accountNumber: `10${String(s).padStart(8, '0')}`,
        accountName: `NGUYEN VAN ${String.fromCharCode(64 + (s % 26 || 26))}`,
        stallNo: `A${String(s).padStart(2, '0')}`,
      },
      market.path,
    );
  }
  await createPayee(
    db,
    {
      kind: 'school',
      name: 'Trường Tiểu học Minh Phú',
      unitCode: commune.code,
      bankBin: '970418',
      accountNumber: '2150000001',
      accountName: 'TRUONG TIEU HOC MINH PHU',
    },
    commune.path,
  );
  return { units: 2 + hamletNames.length, households: households.length, payees: 21 };
}
