/**
 * The Resend and Twilio stubs as a separate process, for pointing a server at them by hand:
 *
 *   npx tsx tests/helpers/provider-stubs.ts [--resend-port 4010] [--twilio-port 4011]
 *
 * Prints one JSON line with both base URLs (use them as RESEND_BASE_URL and TWILIO_API_BASE_URL),
 * then serves until SIGINT/SIGTERM. Control them over HTTP (tests/helpers/stub-control.ts):
 * `POST /__stub/hold?count=N` holds the next calls open, `POST /__stub/release` completes them,
 * `GET /__stub/deliveries` lists what was delivered with its idempotency key and recipient.
 */
import { startResendStub } from "./resend-stub";
import { startTwilioStub } from "./twilio-stub";

function portArg(name: string): number | undefined {
  const at = process.argv.indexOf(name);
  if (at < 0) return undefined;
  const port = Number(process.argv[at + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} needs a port number`);
  return port;
}

async function main() {
  const resend = await startResendStub({ port: portArg("--resend-port") });
  const twilio = await startTwilioStub({ port: portArg("--twilio-port") });
  console.log(JSON.stringify({ resend: resend.url, twilio: twilio.url }));
  const stop = () => {
    resend.release();
    twilio.release();
    void Promise.all([resend.close(), twilio.close()]).finally(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(`provider stubs failed: ${(error as Error).message}`);
  process.exit(1);
});
