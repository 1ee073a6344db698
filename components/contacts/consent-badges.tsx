import { Badge } from "@/components/ui/badge";
import { cn } from "@/components/ui/cn";
import { CHANNEL_META, STATUS_META, type Channel, type ConsentStatus } from "./labels";

export function ConsentStatusBadge({ status, className }: { status: ConsentStatus | null; className?: string }) {
  const meta = STATUS_META[status ?? "none"];
  return (
    <Badge variant={meta.variant} dot className={className}>
      {meta.label}
    </Badge>
  );
}

type Summary = { topic: string; topicName: string; channel: Channel; status: ConsentStatus };

const ORDER: Record<ConsentStatus, number> = { opted_in: 0, pending: 1, opted_out: 2 };

/**
 * A contact's consent at a glance: one small chip per topic × channel with a recorded state,
 * coloured by status (granted first). Shows up to `max`, then "+n".
 */
export function ConsentSummary({ items, max = 3, className }: { items: Summary[]; max?: number; className?: string }) {
  if (items.length === 0) {
    return <span className={cn("text-xs text-muted-foreground", className)}>No consent recorded</span>;
  }
  const sorted = [...items].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const shown = sorted.slice(0, max);
  const rest = sorted.length - shown.length;
  return (
    <ul className={cn("flex flex-wrap items-center gap-1", className)} aria-label="Consent">
      {shown.map((item) => {
        const Icon = CHANNEL_META[item.channel].icon;
        const label = `${item.topicName} (${CHANNEL_META[item.channel].label}): ${STATUS_META[item.status].label}`;
        return (
          <li key={`${item.topic}:${item.channel}`}>
            <Badge variant={STATUS_META[item.status].variant} title={label} className="gap-1 px-1.5 font-normal">
              <Icon aria-hidden="true" />
              <span className={cn("max-w-28 truncate", item.status === "opted_out" && "line-through decoration-1")}>
                {item.topicName}
              </span>
              <span className="sr-only">
                {" "}
                on {CHANNEL_META[item.channel].label}: {STATUS_META[item.status].label}
              </span>
            </Badge>
          </li>
        );
      })}
      {rest > 0 ? (
        <li>
          <Badge
            variant="muted"
            className="px-1.5 font-normal"
            title={sorted
              .slice(max)
              .map((i) => `${i.topicName} (${CHANNEL_META[i.channel].label}): ${STATUS_META[i.status].label}`)
              .join("\n")}
          >
            +{rest}
          </Badge>
        </li>
      ) : null}
    </ul>
  );
}
