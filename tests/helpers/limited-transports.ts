import type { Clock } from "@/server/lib/clock";
import type { EmailTransport, OutgoingEmail } from "@/server/providers/email";
import { ProviderError } from "@/server/providers/errors";
import type { OutgoingSms, SmsTransport } from "@/server/providers/sms";
import { noWebhooks, plainResponse } from "@/server/providers/types";

/** What a stub provider saw: every call with the clock's time, and how many it refused. */
export interface CallLog {
  calls: { at: number; idempotencyKey: string | undefined }[];
  /** Calls refused because a limit was exceeded (must stay 0 when the limiter works). */
  overLimit: number;
  /** The most calls seen in one fixed window of `seconds`. */
  busiest(seconds: number): number;
}

export function callLog(): CallLog {
  const log: CallLog = {
    calls: [],
    overLimit: 0,
    busiest(seconds) {
      const counts = new Map<number, number>();
      for (const call of log.calls) {
        const window = Math.floor(call.at / (seconds * 1000));
        counts.set(window, (counts.get(window) ?? 0) + 1);
      }
      return Math.max(0, ...counts.values());
    },
  };
  return log;
}

/**
 * An SMS provider with its own limits, counted in fixed windows of `clock` as a provider counts
 * them: a call above a limit is refused as `throttled` (and counted in `overLimit`). Several
 * transports may share one log (two processes sending through one account).
 */
export function limitedSmsTransport(options: {
  name: string;
  clock: Clock;
  limits: { seconds: number; max: number }[];
  log?: CallLog;
}): SmsTransport & { log: CallLog } {
  const log = options.log ?? callLog();
  let n = 0;
  return {
    name: options.name,
    reportsEvents: false,
    ...noWebhooks(),
    async parseInbound() {
      return { ok: false, response: plainResponse(404, "Not found") };
    },
    inboundResponse: () => plainResponse(404, "Not found"),
    log,
    async send(message: OutgoingSms) {
      const at = options.clock().getTime();
      const over = options.limits.some(({ seconds, max }) => {
        const window = Math.floor(at / (seconds * 1000));
        return log.calls.filter((c) => Math.floor(c.at / (seconds * 1000)) === window).length >= max;
      });
      if (over) {
        log.overLimit++;
        throw new ProviderError("too many requests", "throttled", { status: 429, providerCode: "20429" });
      }
      log.calls.push({ at, idempotencyKey: message.idempotencyKey });
      // An answer takes a moment, so concurrent calls really overlap.
      await new Promise((resolve) => setImmediate(resolve));
      return { providerMessageId: `${options.name}_${++n}_${at}`, transport: options.name, segments: 1 };
    },
  };
}

/** An SMS provider that answers `unavailable` (503) while `down` is set. */
export function flakySmsTransport(name: string): SmsTransport & { down: boolean; calls: number } {
  let n = 0;
  const transport = {
    name,
    reportsEvents: false,
    ...noWebhooks(),
    async parseInbound() {
      return { ok: false as const, response: plainResponse(404, "Not found") };
    },
    inboundResponse: () => plainResponse(404, "Not found"),
    down: true,
    calls: 0,
    async send() {
      transport.calls++;
      if (transport.down) throw new ProviderError("service unavailable", "unavailable", { status: 503 });
      return { providerMessageId: `${name}_${++n}`, transport: name, segments: 1 };
    },
  };
  return transport;
}

/** An email provider that records what it was given. */
export function recordingEmailTransport(name = "mail-stub"): EmailTransport & { sent: OutgoingEmail[] } {
  const sent: OutgoingEmail[] = [];
  let n = 0;
  return {
    name,
    reportsEvents: false,
    ...noWebhooks(),
    sent,
    async send(email) {
      sent.push(email);
      return { providerMessageId: `${name}_${++n}`, transport: name };
    },
  };
}
