// npm run import:fees -- fees.csv --payee <payeeId> --category school_fee [--expires 2026-12-31]
//                        [--slips slips.html] [--export refs.csv] [--again]
//
// Imports a fee list through the same code as POST /v1/payment-requests/batch: progress on stderr,
// a summary and every bad row (with its line number and reason) on stdout, exit code 1 if any row
// failed. Uses the server's configuration (DATABASE_URL, or the embedded database in DATA_DIR: stop
// the server first then, an embedded database has one user at a time).
//
// Running the same file again with the same options creates nothing: the import is keyed by the
// file's content and options (like an Idempotency-Key) and the first result is shown again. Pass
// --again to import it once more on purpose.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Principal } from '../src/auth/principal.js';
import { loadConfig } from '../src/config.js';
import { type DbOrTx, openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { AppError } from '../src/http/errors.js';
import { runIdempotent } from '../src/idempotency/store.js';
import { renderBatchSlips } from '../src/payment-requests/batch-routes.js';
import { CsvError, parseFeeCsv } from '../src/payment-requests/csv.js';
import { parseExpiry } from '../src/payment-requests/dates.js';
import { renderBatchCsv } from '../src/payment-requests/export-csv.js';
import { type PaymentCategory, paymentCategories } from '../src/payment-requests/schema.js';
import { type BatchResult, importFees } from '../src/payment-requests/service.js';
import { listBatchRequests } from '../src/payment-requests/store.js';

const USAGE =
  'usage: npm run import:fees -- <file.csv> --payee <payeeId> --category <category> [--expires YYYY-MM-DD|DD/MM/YYYY]\n' +
  '                              [--slips slips.html] [--export refs.csv] [--again]\n' +
  `  category: ${paymentCategories.join(', ')}`;

function usage(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      payee: { type: 'string' },
      category: { type: 'string' },
      expires: { type: 'string' },
      slips: { type: 'string' },
      export: { type: 'string' },
      again: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
try {
  args = parse();
} catch (err) {
  usage((err as Error).message);
}
const { values, positionals } = args;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const [file, ...extra] = positionals;
if (!file || extra.length > 0) usage('Give exactly one CSV file.');
if (!values.payee) usage('--payee is required.');
if (values.category !== undefined && !(paymentCategories as readonly string[]).includes(values.category)) {
  usage(`Unknown category "${values.category}".`);
}
const expiresAt = values.expires === undefined ? undefined : parseExpiry(values.expires);
if (values.expires !== undefined && !expiresAt) usage(`--expires "${values.expires}" is not a date.`);
if (expiresAt && expiresAt.getTime() <= Date.now()) usage(`--expires ${values.expires} has already passed.`);

const bytes = new Uint8Array(
  await readFile(file).catch((err: Error) => usage(`Cannot read ${file}: ${err.message}`)),
);
let parsed: ReturnType<typeof parseFeeCsv>;
try {
  parsed = parseFeeCsv(bytes);
} catch (err) {
  if (!(err instanceof CsvError)) throw err;
  console.error(`${file}: ${err.message}${err.details ? ` ${JSON.stringify(err.details)}` : ''}`);
  process.exit(1);
}
if (parsed.rows.length === 0) {
  console.error(`${file}: the CSV has a header but no rows`);
  process.exit(1);
}

const config = loadConfig();
const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: 2 });
const principal: Principal = { keyId: 'cli', role: 'admin' };
const actor = 'cli:import-fees';
const interactive = process.stderr.isTTY;
let lastShown = 0;
const progress = (done: number, total: number) => {
  if (total === 0) return;
  const line = `importing ${file}: ${done}/${total} requests stored`;
  if (interactive) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
  else if (done === total || done - lastShown >= 1000 || done === 0) process.stderr.write(`${line}\n`);
  lastShown = done;
};

try {
  await runMigrations(database, config.DATABASE_URL);
  process.stderr.write(
    `${file}: ${parsed.rows.length} rows (columns: ${Object.entries(parsed.columns)
      .map(([f, h]) => `${h} → ${f}`)
      .join(', ')})\n`,
  );
  if (parsed.ignoredColumns.length > 0)
    process.stderr.write(`ignored columns: ${parsed.ignoredColumns.join(', ')}\n`);
  const run = (db: DbOrTx) =>
    importFees(
      db,
      { principal, actor },
      {
        payeeId: values.payee,
        source: { kind: 'csv', parsed },
        defaults: { category: values.category as PaymentCategory | undefined, expiresAt },
        origin: 'cli',
        now: new Date(),
        onProgress: progress,
      },
    );
  let result: BatchResult;
  if (values.again) {
    result = await run(database.db);
  } else {
    const requestHash = createHash('sha256')
      .update(JSON.stringify({ payee: values.payee, category: values.category, expires: values.expires }))
      .update(bytes)
      .digest('hex');
    const outcome = await runIdempotent(
      database.db,
      { principal: actor, key: `file:${requestHash}`, requestHash },
      async (tx) => ({
        status: 201,
        body: await run(tx),
      }),
    );
    result = outcome.body;
    if (outcome.replayed) {
      console.log(
        `This file was already imported${outcome.at ? ` on ${outcome.at.toISOString()}` : ''} with these options: nothing new was created (use --again to import it once more).`,
      );
    }
  }

  console.log(
    `batch ${result.batchId}: ${result.rows} rows, ${result.created} created, ${result.existing} already stored, ${result.failed} failed`,
  );
  for (const r of result.results) {
    if (r.status === 'error') console.log(`  row ${r.row}: ${r.error!.code} — ${r.error!.message}`);
  }
  console.log(`slips:  GET /v1/payment-requests/batches/${result.batchId}/slips`);
  console.log(`export: GET /v1/payment-requests/batches/${result.batchId}/export.csv`);
  if (values.slips) {
    await writeFile(
      values.slips,
      await renderBatchSlips(database.db, result.batchId, result.payeeId, { status: ['open'] }),
    );
    console.log(`slips written to ${values.slips}`);
  }
  if (values.export) {
    await writeFile(values.export, renderBatchCsv(await listBatchRequests(database.db, result.batchId)));
    console.log(`export written to ${values.export}`);
  }
  if (result.failed > 0) process.exitCode = 1;
} catch (err) {
  if (err instanceof AppError) {
    console.error(`${err.code}: ${err.message}`);
    process.exitCode = 1;
  } else throw err;
} finally {
  await database.close();
}
