import type { SegmentConsentValue } from "@/server/shared/segment-filter";
import type { SegmentCountStatus } from "@/server/shared/enums";

export const CONSENT_VALUE_LABELS: Record<SegmentConsentValue, string> = {
  opted_in: "Opted in",
  opted_out: "Opted out",
  pending: "Pending confirmation",
  none: "No choice recorded",
};

/** A count as the list and the builder show it. */
export function countText(count: { count: number | null; status: SegmentCountStatus } | null | undefined): string {
  if (!count) return "Not counted yet";
  switch (count.status) {
    case "ready":
      return `${(count.count ?? 0).toLocaleString("en-US")} ${count.count === 1 ? "contact" : "contacts"}`;
    case "pending":
      return "Counting…";
    case "timed_out":
      return "Took too long to count";
    case "failed":
      return "Could not be counted";
  }
}

/** Whether a cached count is still fresh (10 minutes, as the server keeps it). */
export function isFresh(computedAt: Date | string | null | undefined, now = Date.now()): boolean {
  return computedAt != null && now - new Date(computedAt).getTime() < 10 * 60 * 1000;
}
