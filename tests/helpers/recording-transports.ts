import type { EmailTransport, OutgoingEmail } from "@/server/providers/email";
import { setEmailTransport } from "@/server/providers/email";
import type { OutgoingSms, SmsTransport } from "@/server/providers/sms";
import { setSmsTransport } from "@/server/providers/sms";

/** Email and SMS transports that record what would have been sent; installed process-wide. */
export function installRecordingTransports() {
  const emails: OutgoingEmail[] = [];
  const sms: OutgoingSms[] = [];
  let n = 0;
  const email: EmailTransport = {
    name: "log",
    async send(message) {
      emails.push(message);
      return { providerMessageId: `rec_email_${++n}`, transport: "log" };
    },
  };
  const text: SmsTransport = {
    name: "log",
    async send(message) {
      sms.push(message);
      return { providerMessageId: `rec_sms_${++n}`, transport: "log", segments: 1 };
    },
  };
  setEmailTransport(email);
  setSmsTransport(text);
  return {
    emails,
    sms,
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
      setEmailTransport(undefined);
      setSmsTransport(undefined);
    },
  };
}
