import type { EmailTransport, OutgoingEmail } from "@/server/providers/email";
import type { OutgoingSms, SmsTransport } from "@/server/providers/sms";
import { noWebhooks, plainResponse } from "@/server/providers/types";
import { buildOutbox, installOutbox } from "@/server/wiring";

/** Email and SMS transports that record what would have been sent, in an outbox installed as the process's. */
export function installRecordingTransports() {
  const emails: OutgoingEmail[] = [];
  const sms: OutgoingSms[] = [];
  let n = 0;
  const email: EmailTransport = {
    name: "log",
    reportsEvents: false,
    ...noWebhooks(),
    async send(message) {
      emails.push(message);
      return { providerMessageId: `rec_email_${++n}`, transport: "log" };
    },
  };
  const text: SmsTransport = {
    name: "log",
    reportsEvents: false,
    ...noWebhooks(),
    async parseInbound() {
      return { ok: false, response: plainResponse(404, "Not found") };
    },
    inboundResponse: () => plainResponse(404, "Not found"),
    async send(message) {
      sms.push(message);
      return { providerMessageId: `rec_sms_${++n}`, transport: "log", segments: 1 };
    },
  };
  const outbox = buildOutbox({ transports: { email, sms: text } });
  installOutbox(outbox);
  return {
    emails,
    sms,
    outbox,
    /** The token of the newest confirmation link sent to `to`. */
    linkTokenFor(to: string): string {
      const message = emails.filter((e) => e.to === to).at(-1);
      const match = message && /\/confirm\/([A-Za-z0-9_-]{43})/.exec(message.text);
      if (!match) throw new Error(`no confirmation link was sent to ${to}`);
      return match[1]!;
    },
    /** The newest code texted to `to`. */
    codeFor(to: string): string {
      const message = sms.filter((m) => m.to === to).at(-1);
      const match = message && /code is (\d{6})/.exec(message.body);
      if (!match) throw new Error(`no code was sent to ${to}`);
      return match[1]!;
    },
    uninstall() {
      installOutbox(undefined);
    },
  };
}
