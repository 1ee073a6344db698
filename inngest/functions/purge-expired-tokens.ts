import { purgeExpiredTokens } from "@/server/services/auth";
import { inngest } from "../client";
import { tokensPurgeRequested } from "../events";
import { getJobContext } from "@/server/jobs/runner/context";

/**
 * Nightly (03:00 UTC) and on demand (`auth/tokens.purge.requested`): deletes expired sign-in
 * tokens and expired, unaccepted invitations. One step, so a retry after a crash simply purges
 * again (the service is idempotent).
 */
export const purgeExpiredTokensFunction = inngest.createFunction(
  {
    id: "purge-expired-tokens",
    name: "Purge expired tokens and invitations",
    retries: 3,
    triggers: [{ cron: "0 3 * * *" }, tokensPurgeRequested],
  },
  async ({ step }) => {
    return step.run("purge", async () => {
      const { db, now } = await getJobContext();
      return purgeExpiredTokens({ ctx: { db, now } });
    });
  },
);
