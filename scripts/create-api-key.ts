// npm run key -- --role admin [--unit CODE] [--payee ID] [--label TEXT]
// Prints only the key on stdout, so `KEY=$(npm run -s key -- --role admin)` works.
import { parseArgs } from 'node:util';
import { createApiKeyBody } from '../src/auth/routes.js';
import { createApiKey } from '../src/auth/store.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { getPayee } from '../src/payees/store.js';
import { getUnit } from '../src/units/store.js';

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    unit: { type: 'string' },
    payee: { type: 'string' },
    label: { type: 'string' },
  },
});
const parsed = createApiKeyBody.safeParse({
  role: values.role,
  unitCode: values.unit,
  payeeId: values.payee,
  label: values.label ?? `cli ${values.role ?? ''}`.trim(),
});
if (!parsed.success) {
  for (const i of parsed.error.issues) console.error(`${i.path.join('.') || 'args'}: ${i.message}`);
  console.error('usage: npm run key -- --role admin|staff|payee [--unit CODE] [--payee ID] [--label TEXT]');
  process.exit(1);
}
const config = loadConfig();
const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: 1 });
try {
  await runMigrations(database, config.DATABASE_URL);
  if (parsed.data.unitCode && !(await getUnit(database.db, parsed.data.unitCode))) {
    console.error(`unknown unit ${parsed.data.unitCode}`);
    process.exitCode = 1;
  } else if (parsed.data.payeeId && !(await getPayee(database.db, parsed.data.payeeId))) {
    console.error(`unknown payee ${parsed.data.payeeId}`);
    process.exitCode = 1;
  } else {
    const { key } = await createApiKey(database.db, parsed.data);
    process.stdout.write(`${key}\n`);
  }
} finally {
  await database.close();
}
