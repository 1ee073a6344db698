import { reencryptContacts } from "@/server/services/contacts";
import { inngest } from "../client";
import { piiReencryptRequested } from "../events";
import { getJobContext } from "@/server/jobs/runner/context";

/**
 * Key rotation: daily (04:00 UTC, a no-op query when every value is on the current key) and on
 * demand. The service pages through contacts and is idempotent, so a retry just continues.
 */
export const reencryptPiiFunction = inngest.createFunction(
  {
    id: "reencrypt-pii",
    name: "Re-encrypt PII with the current key",
    retries: 3,
    triggers: [{ cron: "0 4 * * *" }, piiReencryptRequested],
  },
  async ({ step }) =>
    step.run("reencrypt-contacts", async () => {
      return reencryptContacts({ ctx: await getJobContext() });
    }),
);
