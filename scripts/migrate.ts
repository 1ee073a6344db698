/**
 * `npm run db:migrate`: opens the configured database (PGlite in DATA_DIR, or DATABASE_URL) and
 * applies pending migrations — the same step `npm start` runs before serving (unless
 * MIGRATE_ON_START=false; the Helm chart runs this as a pre-install/pre-upgrade Job). Exits 1 with one line
 * on a bad environment or an unreachable database.
 */
import { EnvError, getEnv } from "../server/lib/env";
import { closeDb, DatabaseUnavailableError, getDbHandle } from "../server/lib/db";

async function main(): Promise<number> {
  const env = getEnv();
  // Always migrates, whatever MIGRATE_ON_START says (that switch is for the server).
  await getDbHandle({ migrate: true });
  console.log(`Migrations applied (${env.DATABASE_URL ? "PostgreSQL" : `PGlite in ${env.DATA_DIR}`}).`);
  return 0;
}

main()
  .catch((error: unknown) => {
    const known = error instanceof EnvError || error instanceof DatabaseUnavailableError;
    console.error(known ? (error as Error).message : `Migration failed: ${(error as Error).message}`);
    return 1;
  })
  .then(async (code) => {
    await closeDb().catch(() => {});
    process.exit(code);
  });
