import { existsSync } from 'node:fs';
import { defineConfig, type ViteUserConfig } from 'vitest/config';
import { servicesReachable } from './test/support/services.js';

// Integration tests run twice: on Postgres + Redis (BullMQ) and on embedded PGlite + in-process jobs.
// Without reachable services locally, the Postgres project is left out with a warning; in CI
// (REQUIRE_SERVICES=1) it always runs, so a missing service fails the run instead of skipping it.
export default defineConfig(async (): Promise<ViteUserConfig> => {
  const required = process.env.REQUIRE_SERVICES === '1';
  const withServices = required || (await servicesReachable());
  if (!withServices) {
    console.warn('\n[tests] Postgres or Redis not reachable: running unit and embedded tests only.\n');
  }
  // Browser tests need Debian's Chromium (`apt-get install -y chromium`); .ci/run installs it.
  const withBrowser = required || existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
  if (!withBrowser) console.warn('\n[tests] Chromium not installed: browser tests left out.\n');
  const integration = ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'];
  return {
    test: {
      testTimeout: 30_000,
      hookTimeout: 60_000,
      projects: [
        {
          extends: true,
          test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/vietqr/**/*.test.ts'] },
        },
        {
          extends: true,
          test: { name: 'embedded', include: integration, env: { TEST_BACKEND: 'embedded' } },
        },
        // The production build (`npm run build`): compiled, then started from dist/ on the embedded backend.
        {
          extends: true,
          test: {
            name: 'build',
            include: ['test/build/**/*.test.ts'],
            testTimeout: 120_000,
            hookTimeout: 180_000,
          },
        },
        // Pages in a real headless Chromium (Debian's /usr/bin/chromium), on the embedded backend.
        ...(withBrowser
          ? [
              {
                extends: true as const,
                test: {
                  name: 'browser',
                  include: ['test/browser/**/*.test.ts'],
                  env: { TEST_BACKEND: 'embedded' },
                  testTimeout: 60_000,
                },
              },
            ]
          : []),
        ...(withServices
          ? [
              {
                extends: true as const,
                test: {
                  name: 'postgres',
                  include: integration,
                  env: { TEST_BACKEND: 'postgres' },
                  globalSetup: ['test/support/postgres-template.ts'],
                },
              },
              // Faults against real processes (APIs and workers spawned, a private PostgreSQL server
              // and a private Redis server crashed, stopped and started; the shared ones untouched):
              // one file at a time, minutes not seconds.
              {
                extends: true as const,
                test: {
                  name: 'faults',
                  include: ['test/faults/**/*.test.ts'],
                  env: { TEST_BACKEND: 'postgres' },
                  // Upper bounds for a CI run where every project shares two cores; a scenario
                  // takes 15–70 s on its own.
                  testTimeout: 360_000,
                  hookTimeout: 240_000,
                  fileParallelism: false,
                },
              },
            ]
          : []),
      ],
    },
  };
});
