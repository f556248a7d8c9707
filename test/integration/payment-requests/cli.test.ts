import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/client.js';
import { runMigrations } from '../../../src/db/migrate.js';
import { createPayee } from '../../../src/payees/store.js';
import { listBatchRequests } from '../../../src/payment-requests/store.js';
import { createUnit } from '../../../src/units/store.js';
import { backend, startTestApp, type TestApp } from '../../support/app.js';
import { createCommune } from '../../support/factories.js';
import {
  createSchool,
  makeStudents,
  scanQrSvg,
  studentFeesCsv,
} from '../../support/payment-request-factories.js';

const run = promisify(execFile);

/** `npm run import:fees -- …` as a bursar types it; resolves with the exit code and both streams. */
async function importFees(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run('npm', ['run', '-s', 'import:fees', '--', ...args], {
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? tmpdir(), LOG_LEVEL: 'silent', ...env },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
let app: TestApp | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cc-import-fees-'));
  if (backend === 'postgres') app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Where the CLI finds the database, and a school in it: the test app's Postgres, or an embedded one on disk. */
async function setUp(): Promise<{
  env: Record<string, string>;
  payeeId: string;
  read: <T>(f: (db: import('../../../src/db/client.js').Db) => Promise<T>) => Promise<T>;
}> {
  if (app) {
    const { commune } = await createCommune(app);
    const school = await createSchool(app, commune);
    return {
      env: { DATABASE_URL: app.deps.config.DATABASE_URL! },
      payeeId: school.id,
      read: (f) => f(app!.deps.db),
    };
  }
  const dataDir = join(dir, 'data');
  const open = () => openDatabase({ dataDir });
  const database = await open();
  await runMigrations(database);
  const unit = await createUnit(database.db, { code: 'X1', name: 'Xã Một', level: 'commune' }, undefined);
  const school = await createPayee(
    database.db,
    {
      kind: 'school',
      name: 'Trường Tiểu học Một',
      unitCode: unit.code,
      bankBin: '970436',
      accountNumber: '0011223344',
      accountName: 'TRUONG TH MOT',
    },
    unit.path,
  );
  await database.close();
  return {
    env: { DATA_DIR: dataDir },
    payeeId: school.id,
    read: async (f) => {
      const db = await open();
      try {
        return await f(db.db);
      } finally {
        await db.close();
      }
    },
  };
}

describe('npm run import:fees', () => {
  it('imports a CSV of 600 pupils, reports the bad row, writes the slips, and does not import it twice', async () => {
    const { env, payeeId, read } = await setUp();
    const students = makeStudents(600, ['5A', '5B', '5C']);
    const file = join(dir, 'hoc-phi.csv');
    await writeFile(file, studentFeesCsv(students, { badRows: [99] }));
    const slips = join(dir, 'phieu-thu.html');

    const first = await importFees(
      [file, '--payee', payeeId, '--category', 'school_fee', '--slips', slips],
      env,
    );
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout).toMatch(/600 rows, 599 created, 0 already stored, 1 failed/);
    expect(first.stdout).toMatch(/row 101: invalid_amount/);
    expect(first.stderr).toMatch(/599\/599 requests stored/);
    const batchId = /batch ([0-9a-f-]{36})/.exec(first.stdout)![1]!;

    const stored = await read((db) => listBatchRequests(db, batchId));
    expect(stored).toHaveLength(599);
    const html = await readFile(slips, 'utf8');
    const articles = [...html.matchAll(/<article class="slip" data-reference="([^"]+)"[\s\S]*?<\/article>/g)];
    expect(articles).toHaveLength(599);
    const byReference = new Map(stored.map((r) => [r.reference, r]));
    for (const [slip, reference] of articles.slice(0, 20)) {
      expect(scanQrSvg(/<svg[\s\S]*<\/svg>/.exec(slip)![0])).toBe(byReference.get(reference!)!.payload);
    }

    const again = await importFees([file, '--payee', payeeId, '--category', 'school_fee'], env);
    expect(again.stdout).toMatch(/already imported/);
    expect(again.stdout).toContain(`batch ${batchId}`);
    const bad = await importFees([file, '--payee', payeeId, '--category', 'lottery'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Unknown category/);
    const nobody = await importFees(
      [file, '--payee', '00000000-0000-4000-8000-000000000000', '--category', 'water'],
      env,
    );
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/unknown_payee/);
    expect(await read(async (db) => (await listBatchRequests(db, batchId)).length)).toBe(599);
  }, 180_000);
});
