import { reencryptContacts } from "@/server/services/contacts";
import { reencryptSuppressions } from "@/server/services/suppressions";
import { inngest } from "../client";
import { piiReencryptRequested } from "../events";
import { getJobContext } from "@/server/jobs/runner/context";

/**
 * Key rotation: daily (04:00 UTC, a no-op query when every value is on the current key) and on
 * demand. The services page through contacts, then the suppression list's addresses, and are idempotent, so a retry just continues.
 */
export const reencryptPiiFunction = inngest.createFunction(
  {
    id: "reencrypt-pii",
    name: "Re-encrypt PII with the current key",
    retries: 3,
    triggers: [{ cron: "0 4 * * *" }, piiReencryptRequested],
  },
  async ({ step }) => {
    const contacts = await step.run("reencrypt-contacts", async () => {
      return reencryptContacts({ ctx: await getJobContext() });
    });
    const suppressions = await step.run("reencrypt-suppressions", async () => {
      return reencryptSuppressions({ ctx: await getJobContext() });
    });
    return { ...contacts, suppressionsRewritten: suppressions.rewritten };
  },
);
