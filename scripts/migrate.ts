// Applies the migrations in migrations/ to the configured database (Postgres or embedded PGlite).
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';

const config = loadConfig();
const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: 1 });
await runMigrations(database, config.DATABASE_URL);
await database.close();
console.error(`migrations applied (${database.kind})`);
