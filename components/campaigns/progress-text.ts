import type { TCampaignProgress, TCampaignRun } from "@/server/services/campaigns";
import { blockReasonLabel } from "./labels";
import { driftPercentOf, type CampaignOptions } from "./schedule-draft";

/**
 * The sentences of the progress tab: why a run paused or ended, what a timeline event was, how
 * far a run is. Pure.
 */

type Counts = TCampaignRun["counts"];
type TimelineEvent = TCampaignProgress["timeline"][number];

/** Recipients the run has dealt with: every sendable one no longer waiting (sent, failed, blocked at send, cancelled, skipped). */
export function handedOf(counts: Counts): { handed: number; sendable: number; percent: number } {
  const sendable = counts.sendable ?? 0;
  const handed = Math.max(0, sendable - (counts.queued ?? 0));
  return { handed, sendable, percent: sendable > 0 ? Math.min(100, Math.floor((handed / sendable) * 100)) : 0 };
}

/** Every recipient blocked, whatever the reason. */
export function blockedTotal(counts: Counts): number {
  return Object.values(counts.blocked).reduce<number>((sum, n) => sum + (n ?? 0), 0);
}

/** Why a run is paused, cancelled or failed, as a sentence; null when there is nothing to explain. */
export function statusReasonText(
  status: TCampaignRun["status"],
  reason: string | null,
  options: CampaignOptions,
): string | null {
  if (!reason) return status === "failed" ? "The run failed." : null;
  const paused = status === "paused";
  switch (reason) {
    case "manual":
      return paused ? "Paused by a member of the workspace." : "Cancelled by a member of the workspace.";
    case "errors":
      return options.errorPolicy === "skip"
        ? "Paused after too many errors."
        : `Paused after too many errors (${options.maxErrors !== undefined ? `${options.maxErrors.toLocaleString()} failed` : "100 failed, or 5% of the first 1,000"}). Check the failed recipients, then resume or cancel.`;
    case "drift":
      return `Paused for review: the audience moved more than ${driftPercentOf(options)} since the dry run. Resuming sends to the audience as it is now.`;
    case "window":
      return "Waiting for the sending window to open.";
    case "provider":
      return "Paused: the provider kept refusing messages.";
    case "rescheduled":
      return "Replaced by a new schedule.";
    case "archived":
      return "Cancelled because the campaign was archived.";
    default:
      return `${paused ? "Paused" : "Stopped"}: ${reason.replaceAll("_", " ")}.`;
  }
}

export const TIMELINE_LABELS: Record<string, string> = {
  scheduled: "Scheduled",
  rescheduled: "Rescheduled",
  started: "Started",
  chunk: "Chunk",
  paused: "Paused",
  resumed: "Resumed",
  cancelled: "Cancelled",
  completed: "Completed",
  occurrence: "Occurrence created",
  follow_up: "Sent to the rest",
  cap_follow_up: "Sent to the cap-skipped",
};

const num = (value: unknown) => (typeof value === "number" ? value : Number(value ?? 0) || 0);
const plural = (n: number, one: string, many: string) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

/** One line about a timeline event: "1,000 handed, 12 blocked", "Audience 1,500, 1,430 sendable". */
export function timelineSummary(event: TimelineEvent, options: CampaignOptions): string {
  const d = event.detail;
  switch (event.type) {
    case "chunk": {
      const parts = [
        `${num(d.handed).toLocaleString("en-US")} handed`,
        `${num(d.blocked).toLocaleString("en-US")} blocked`,
      ];
      if (num(d.skipped) > 0) parts.push(`${num(d.skipped).toLocaleString("en-US")} skipped`);
      return parts.join(", ");
    }
    case "started":
    case "paused": {
      if (event.type === "paused" && d.reason !== "drift")
        return statusReasonText("paused", typeof d.reason === "string" ? d.reason : null, options) ?? "";
      const blocked = d.blocked && typeof d.blocked === "object" ? Object.entries(d.blocked) : [];
      const blockedText = blocked.length
        ? `; blocked: ${blocked.map(([reason, n]) => `${blockReasonLabel(reason)} ${num(n).toLocaleString("en-US")}`).join(", ")}`
        : "";
      const base = `Audience ${num(d.audience).toLocaleString("en-US")}, ${num(d.sendable).toLocaleString("en-US")} sendable${blockedText}`;
      return event.type === "paused" ? `${statusReasonText("paused", "drift", options)} ${base}` : base;
    }
    case "scheduled":
    case "rescheduled": {
      const type = typeof d.schedule === "string" ? d.schedule : null;
      const first = typeof d.firstRunAt === "string" ? d.firstRunAt : null;
      const kind =
        type === "now"
          ? "Send now"
          : type === "at"
            ? "At a time"
            : type === "local"
              ? "At a local time"
              : type === "best_hour"
                ? "At each recipient's best hour"
                : type === "recurring"
                  ? "Recurring"
                  : null;
      return [kind, first ? `first run ${first.replace("T", " ").slice(0, 16)} UTC` : null].filter(Boolean).join(", ");
    }
    case "resumed":
      return typeof d.after === "string" ? `After: ${statusReasonText("paused", d.after, options) ?? d.after}` : "";
    case "cancelled":
      return `${plural(num(d.recipients), "recipient", "recipients")} not reached, ${plural(num(d.messages), "message", "messages")} stopped`;
    case "cap_follow_up":
      return plural(num(d.recipients), "cap-skipped recipient", "cap-skipped recipients");
    case "occurrence":
      return typeof d.at === "string" ? `For ${d.at.replace("T", " ").slice(0, 16)} UTC` : "";
    default:
      return "";
  }
}
