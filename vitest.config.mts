import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const alias = { "@": path.dirname(fileURLToPath(import.meta.url)) };

const integration = (name: string, dbKind: "pglite" | "postgres") => ({
  resolve: { alias },
  test: {
    name,
    include: ["tests/integration/**/*.test.ts"],
    environment: "node",
    pool: "threads" as const,
    globalSetup: [`tests/helpers/global-setup-${dbKind}.ts`],
    setupFiles: ["tests/helpers/setup-env.ts"],
    provide: { dbKind },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { NODE_ENV: "test" },
  },
});

/**
 * Projects: `unit`; `integration` on a fresh PGlite per file; and, when TEST_DATABASE_URL is set,
 * `integration-postgres`: the same files on real PostgreSQL, each file in its own database; and
 * `crash` (`npm run test:crash`, after `npm run build`): tests/crash/ against the production server.
 */
export default defineConfig({
  resolve: { alias },
  test: {
    // Two cores here: two workers, each file with its own database.
    maxWorkers: 2,
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          environment: "node",
          pool: "threads",
          testTimeout: 20_000,
          env: { NODE_ENV: "test" },
        },
      },
      integration("integration", "pglite"),
      ...(process.env.TEST_DATABASE_URL ? [integration("integration-postgres", "postgres")] : []),
      // The production server (built) killed with SIGKILL and restarted on PostgreSQL, one file at a time.
      ...(process.env.TEST_DATABASE_URL
        ? [
            {
              resolve: { alias },
              test: {
                name: "crash",
                include: ["tests/crash/**/*.crash.test.ts"],
                environment: "node",
                pool: "forks" as const,
                maxWorkers: 1,
                fileParallelism: false,
                testTimeout: 600_000,
                hookTimeout: 240_000,
              },
            },
          ]
        : []),
    ],
  },
});
