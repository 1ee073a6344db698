import { cn } from "@/components/ui/cn";

/**
 * A text message as it appears on a phone: outbound on the right in the brand colour, inbound on
 * the left in grey, with the sender or recipient above and the segment count below.
 */
export function SmsBubble({
  text,
  direction,
  party,
  segments,
  at,
  className,
}: {
  text: string;
  direction: "outbound" | "inbound";
  /** Who is on the other end, as shown in a phone's conversation header. */
  party: string | null;
  segments?: number | null;
  at?: string;
  className?: string;
}) {
  const outbound = direction === "outbound";
  const characters = Array.from(text).length;
  return (
    <div
      className={cn(
        "mx-auto w-full max-w-sm overflow-hidden rounded-[1.75rem] border-[6px] border-foreground/85 bg-background shadow-sm",
        className,
      )}
      data-testid="sms-preview"
    >
      <div className="flex flex-col items-center gap-1 border-b bg-muted/50 px-4 pt-3 pb-2.5">
        <span aria-hidden className="mb-1 h-1.5 w-14 rounded-full bg-foreground/15" />
        <span
          className="flex size-8 items-center justify-center rounded-full bg-muted-foreground/25 text-xs font-semibold text-background"
          aria-hidden
        >
          #
        </span>
        <span className="max-w-full truncate text-xs font-medium tabular-nums">{party ?? "Unknown number"}</span>
      </div>
      <div className="flex min-h-36 flex-col justify-end gap-1 px-3 py-4">
        {at ? <p className="mb-1 text-center text-[11px] text-muted-foreground">{at}</p> : null}
        <p
          className={cn(
            "max-w-[85%] rounded-2xl px-3.5 py-2 text-sm leading-snug break-words whitespace-pre-wrap",
            outbound
              ? "self-end rounded-br-md bg-primary text-primary-foreground"
              : "self-start rounded-bl-md bg-muted text-foreground",
          )}
          data-testid="sms-text"
        >
          {text}
        </p>
        <p className={cn("text-[11px] text-muted-foreground tabular-nums", outbound ? "self-end" : "self-start")}>
          {characters.toLocaleString("en-US")} characters
          {segments ? ` · ${segments} ${segments === 1 ? "segment" : "segments"}` : null}
        </p>
      </div>
    </div>
  );
}
