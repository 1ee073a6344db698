import type { MachineReason, TrackingEventKind } from "@/server/shared/enums";

/**
 * Machine opens and clicks, told apart from people's by the user agent and by timing only (no IP
 * address is kept). Pure; `record-tracking-event.ts` gives it what it read.
 *
 * - Security scanners that fetch every image and follow every link before the recipient sees the
 *   message (Barracuda, Mimecast, Proofpoint, Microsoft Defender / Safe Links, …): by user agent.
 * - Apple Mail Privacy Protection loads every image through Apple's proxy when the message
 *   arrives, whether or not it is read; the proxy sends a bare `Mozilla/5.0` with no platform or
 *   engine: an open with exactly that user agent is the proxy's.
 * - Gmail's image proxy (`GoogleImageProxy`) fetches the pixel when the person opens the message:
 *   a person's open.
 * - An open or click within `TOO_SOON_SECONDS` of the send: nobody reads that fast.
 * - Every link of a message (two or more) clicked within `ALL_LINKS_SECONDS`: a scanner.
 */

/** Events this soon after the message left (seconds) are a machine's. */
export const TOO_SOON_SECONDS = 5;
/** Every link clicked within this many seconds is a scanner. */
export const ALL_LINKS_SECONDS = 10;

/** Scanner user agents (matched case-insensitively anywhere in the string). */
const SCANNER_PATTERNS: [RegExp, string][] = [
  [/barracuda/i, "barracuda"],
  [/mimecast/i, "mimecast"],
  [/proofpoint|ppops|urldefense/i, "proofpoint"],
  [/safelinks|microsoft defender|office365|ms-office|microsoft office existence discovery|bingpreview/i, "microsoft"],
  [/symantec|messagelabs|broadcom/i, "symantec"],
  [/cisco|ironport/i, "cisco"],
  [/trend ?micro/i, "trendmicro"],
  [/forcepoint|websense/i, "forcepoint"],
  [/sophos/i, "sophos"],
  [/fortinet|fortiguard/i, "fortinet"],
  [/zscaler/i, "zscaler"],
  [/checkpoint|check point/i, "checkpoint"],
  [
    /\b(bot|crawler|spider|scanner|headlesschrome|phantomjs|python-requests|curl|wget|go-http-client|okhttp|java\/)\b/i,
    "bot",
  ],
];

export interface UserAgentClass {
  /** A short class stored instead of the user agent: `browser`, `apple_privacy_proxy`, `google_image_proxy`, `scanner:<name>`, `unknown`. */
  userAgentClass: string;
  machineReason: MachineReason | null;
}

/** What a user agent says about who fetched: the class kept, and a machine reason when it is one. */
export function classifyUserAgent(userAgent: string | null | undefined): UserAgentClass {
  const ua = (userAgent ?? "").trim();
  if (!ua) return { userAgentClass: "unknown", machineReason: null };
  if (/googleimageproxy/i.test(ua)) return { userAgentClass: "google_image_proxy", machineReason: null };
  for (const [pattern, name] of SCANNER_PATTERNS) {
    if (pattern.test(ua)) return { userAgentClass: `scanner:${name}`, machineReason: "scanner_user_agent" };
  }
  if (/^mozilla\/5\.0$/i.test(ua))
    return { userAgentClass: "apple_privacy_proxy", machineReason: "apple_privacy_proxy" };
  return { userAgentClass: "browser", machineReason: null };
}

export interface ClassifyInput {
  kind: TrackingEventKind;
  userAgent: string | null | undefined;
  occurredAt: Date;
  /** When the message was handed to the provider (null: not known). */
  sentAt: Date | null;
}

export interface Classification extends UserAgentClass {
  machine: boolean;
}

/** An open or click classified by user agent, then by how soon after the send it came. */
export function classifyEvent(input: ClassifyInput): Classification {
  const byAgent = classifyUserAgent(input.userAgent);
  // Apple's proxy only fetches images: a click with a bare user agent is a person's browser.
  const agentReason =
    byAgent.machineReason === "apple_privacy_proxy" && input.kind === "click" ? null : byAgent.machineReason;
  if (agentReason) return { ...byAgent, machineReason: agentReason, machine: true };
  if (input.sentAt && input.occurredAt.getTime() - input.sentAt.getTime() < TOO_SOON_SECONDS * 1000) {
    return { ...byAgent, machineReason: "too_soon", machine: true };
  }
  return { ...byAgent, machineReason: null, machine: false };
}

/**
 * Whether the clicks of a message look like a scanner's: with this click, every one of its links
 * (two or more) was clicked within `ALL_LINKS_SECONDS`. `recent`: the message's clicks (link id,
 * time) before this one.
 */
export function allLinksClicked(input: {
  linkCount: number;
  linkId: string;
  occurredAt: Date;
  recent: { linkId: string | null; occurredAt: Date }[];
}): boolean {
  if (input.linkCount < 2) return false;
  const since = input.occurredAt.getTime() - ALL_LINKS_SECONDS * 1000;
  const clicked = new Set([input.linkId]);
  for (const click of input.recent) {
    if (click.linkId && click.occurredAt.getTime() >= since) clicked.add(click.linkId);
  }
  return clicked.size >= input.linkCount;
}
