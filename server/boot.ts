import { getDbHandle } from "@/server/lib/db";
import { getEnv } from "@/server/lib/env";
import { logger } from "@/server/lib/logger";
import { getSecrets } from "@/server/lib/secrets";
import { systemClock } from "@/server/lib/clock";
import { installErrorMessages } from "@/server/shared/error-messages";
import { ensureBootstrap, type BootstrapResult } from "@/server/services/bootstrap";
import { ensureDefaultTemplatesEverywhere } from "@/server/services/templates";

/**
 * Start-up, shared by `npm start`'s preflight and the Next server (instrumentation.ts):
 * secrets → database (opened, migrated) → default workspace and bootstrap admin. Idempotent.
 */
export async function prepareDatabase(): Promise<BootstrapResult> {
  const env = getEnv();
  getSecrets();
  const handle = await getDbHandle();
  const result = await ensureBootstrap({
    ctx: { db: handle.db, now: systemClock },
    input: {
      adminEmail: env.INIT_ADMIN_EMAIL,
      adminPassword: env.INIT_ADMIN_PASSWORD,
      adminApiKey: env.INIT_ADMIN_API_KEY,
      defaultRegion: env.DEFAULT_REGION,
    },
  });
  // Defaults added since a workspace was created (e.g. the double opt-in templates). Not fatal:
  // the confirmation path creates a missing one on first use.
  try {
    await ensureDefaultTemplatesEverywhere({ ctx: { db: handle.db, now: systemClock } });
  } catch (error) {
    logger.error(
      { err: error },
      "could not create missing default templates at start-up; they are created on first use",
    );
  }
  return result;
}

/**
 * The admin credentials go to stdout on purpose, once: this is the operator's only way to learn a
 * generated password. Nothing else prints secrets.
 */
export function printAdminBanner(result: BootstrapResult): void {
  const env = getEnv();
  const lines = ["", "  OptIn Manager", `  Sign in:   ${env.PUBLIC_URL}/sign-in`, `  Admin:     ${result.adminEmail}`];
  if (result.generatedPassword) {
    lines.push(
      `  Password:  ${result.generatedPassword}   (generated; shown this once, change it or set INIT_ADMIN_PASSWORD)`,
    );
  } else if (result.adminCreated) {
    lines.push("  Password:  the value of INIT_ADMIN_PASSWORD");
  } else {
    lines.push("  Password:  unchanged (printed at the first start, or INIT_ADMIN_PASSWORD)");
  }
  lines.push(
    `  Database:  ${env.DATABASE_URL ? "PostgreSQL (DATABASE_URL)" : `embedded PGlite in ${env.DATA_DIR}`}`,
    "",
  );
  console.log(lines.join("\n"));
}

// On globalThis because Next may load this module twice: the server boots once per process.
const globalForBoot = globalThis as unknown as { __optinBooted?: Promise<void> };

/**
 * Imports a previous process left `running` resume in the background (the server answers at
 * once); the `recover-imports` cron catches what this misses.
 */
async function recoverImportsAtStartup(): Promise<void> {
  try {
    const handle = await getDbHandle();
    const { recoverInterruptedImports } = await import("@/server/services/imports");
    const result = await recoverInterruptedImports({
      ctx: { db: handle.db, now: systemClock },
      input: { atStartup: true },
    });
    if (result.resumed.length || result.failed.length)
      logger.info({ resumed: result.resumed, failed: result.failed }, "interrupted imports recovered at start-up");
  } catch (error) {
    logger.error(
      { err: error },
      "could not recover interrupted imports at start-up; the recover-imports job will retry",
    );
  }
}

/**
 * Contacts written before the search index (or the phone country segments read) existed get
 * them, in the background (the server answers at once; until then such a contact is found by exact
 * address only, and matches `country` by its attribute only). When nothing is missing these are
 * two indexed queries.
 */
async function backfillSearchTokensAtStartup(): Promise<void> {
  try {
    const handle = await getDbHandle();
    const { backfillPhoneCountries, backfillSearchTokens } = await import("@/server/services/contacts");
    const ctx = { db: handle.db, now: systemClock };
    const result = await backfillSearchTokens({ ctx });
    if (result.filled || result.skipped)
      logger.info({ filled: result.filled, skipped: result.skipped }, "contact search index filled at start-up");
    const countries = await backfillPhoneCountries({ ctx });
    if (countries.filled || countries.skipped)
      logger.info(
        { filled: countries.filled, skipped: countries.skipped },
        "contact phone countries filled at start-up",
      );
  } catch (error) {
    logger.error(
      { err: error },
      "could not fill the contact search index at start-up; it is retried at the next start",
    );
  }
}

/**
 * Called once per server process from instrumentation.ts: validation messages, database and
 * bootstrap (then, in the background, the contacts' search index), then the outbox (providers and
 * dispatcher chosen from the environment, `server/wiring.ts`), then jobs.
 */
export function bootServer(): Promise<void> {
  globalForBoot.__optinBooted ??= (async () => {
    // Readable validation messages for every parse in this process (pages, actions, jobs too).
    installErrorMessages();
    const env = getEnv();
    const result = await prepareDatabase();
    if (result.adminCreated) printAdminBanner(result);
    void backfillSearchTokensAtStartup();
    // On PostgreSQL: inbound keywords, the webhook drain and in-process delivery on their own thread.
    if (env.DATABASE_URL && env.BACKGROUND_THREAD) {
      const { startBackgroundThread } = await import("@/server/jobs/thread/start");
      const { db } = await getDbHandle();
      if (await startBackgroundThread({ databaseUrl: env.DATABASE_URL, db }))
        logger.info("background thread started: keywords, webhook drain, delivery");
    }
    // Loaded here: npm start's preflight imports this module for the database steps only.
    const { getOutbox } = await import("@/server/wiring");
    const outbox = getOutbox();
    logger.info(
      { dispatch: outbox.dispatcher.mode, email: outbox.transports.email.name, sms: outbox.transports.sms.name },
      "outbox ready",
    );
    if (!env.isInngestServerConfigured && !env.JOBS_DISABLED) {
      const { startInProcessJobs } = await import("@/server/jobs/start");
      await startInProcessJobs();
      logger.info("background jobs: in-process runner started");
    } else if (env.isInngestServerConfigured) {
      logger.info("background jobs: driven by the Inngest server via /api/inngest");
    }
    if (!env.JOBS_DISABLED) void recoverImportsAtStartup();
  })();
  return globalForBoot.__optinBooted;
}
