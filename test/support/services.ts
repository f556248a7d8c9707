import { connect } from 'node:net';

export const defaultDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
export const defaultRedisUrl = 'redis://127.0.0.1:6379';

/** The Postgres server tests create their databases on, and the Redis they queue on. */
export const testDatabaseUrl = () => process.env.DATABASE_URL || defaultDatabaseUrl;
export const testRedisUrl = () => process.env.REDIS_URL || defaultRedisUrl;

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function servicesReachable(): Promise<boolean> {
  const [pg, redis] = await Promise.all([
    reachable(testDatabaseUrl(), 5432),
    reachable(testRedisUrl(), 6379),
  ]);
  return pg && redis;
}

/** The same server as `url`, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
