import { Badge } from "@/components/ui/badge";
import { reasonLabel, statusMeta } from "./labels";

/** A message status as a coloured badge, with the block or failure reason when there is one. */
export function MessageStatusBadge({
  status,
  reason,
  showReason = false,
}: {
  status: string;
  reason?: string | null;
  showReason?: boolean;
}) {
  const meta = statusMeta(status);
  const why = showReason ? reasonLabel(reason) : null;
  return (
    <Badge variant={meta.variant} dot title={meta.description} data-testid="message-status" data-status={status}>
      {meta.label}
      {why ? <span className="font-normal">· {why}</span> : null}
    </Badge>
  );
}
