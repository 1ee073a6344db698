"use client";

import {
  CheckCircle2Icon,
  ChevronRightIcon,
  CircleSlashIcon,
  ClockIcon,
  FileTextIcon,
  HistoryIcon,
  TimerOffIcon,
} from "lucide-react";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { cn } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { ACTION_LABELS, CHANNEL_META, EVIDENCE_LABELS, formatWhen, SOURCE_LABELS } from "./labels";
import type { ConsentHistoryEntry } from "./types";

interface HistoryActor {
  actorType: string;
  actorId: string | null;
  /** The actor by name (a member, an API key, a form), resolved by the server. */
  actorLabel: string | null;
  /** The actor's admin page (a form's builder), when it has one. */
  actorHref?: string | null;
}

/** Who recorded a ledger row (or wrote an audit row), in words. */
export function describeConsentActor(entry: HistoryActor): string {
  if (entry.actorLabel) return entry.actorLabel;
  switch (entry.actorType) {
    case "user":
      return "A member";
    case "apiKey":
      return "An API key";
    case "contact":
      return "The contact";
    case "provider":
      return entry.actorId ? entry.actorId.charAt(0).toUpperCase() + entry.actorId.slice(1) : "A provider";
    default: {
      const [kind, name] = (entry.actorId ?? "").split(":");
      if (kind === "form" && name) return `Form “${name}”`;
      if (kind === "import") return "CSV import";
      return "System";
    }
  }
}

const LINK_CLASS =
  "rounded-sm font-medium text-foreground underline underline-offset-2 outline-none hover:text-primary focus-visible:ring-[3px] focus-visible:ring-ring/50";

/** A name in a history line, linked to its page when it has one. */
export function HistoryLinkText({ label, href }: { label: string; href: string | null | undefined }) {
  return href ? (
    <Link href={href} className={LINK_CLASS}>
      {label}
    </Link>
  ) : (
    <>{label}</>
  );
}

/** The actor of a history line by name, linked to its page (a form's builder) when it has one. */
export function ActorName({ entry }: { entry: HistoryActor }) {
  return <HistoryLinkText label={describeConsentActor(entry)} href={entry.actorHref} />;
}

export function actionIcon(action: string, pending: boolean) {
  if (pending) return { Icon: ClockIcon, tone: "bg-warning/10 text-warning ring-warning/20" };
  switch (action) {
    case "opted_in":
    case "confirmed":
      return { Icon: CheckCircle2Icon, tone: "bg-success/10 text-success ring-success/20" };
    case "opted_out":
      return { Icon: CircleSlashIcon, tone: "bg-destructive/10 text-destructive ring-destructive/20" };
    default:
      return { Icon: TimerOffIcon, tone: "bg-muted text-muted-foreground ring-border" };
  }
}

/** Ledger rows written by one request (one STOP, one form post) shown as one entry. */
function groupByBatch(entries: ConsentHistoryEntry[]): ConsentHistoryEntry[][] {
  const groups: ConsentHistoryEntry[][] = [];
  for (const entry of entries) {
    const last = groups[groups.length - 1];
    if (last && entry.batchId && last[0]!.batchId === entry.batchId) last.push(entry);
    else groups.push([entry]);
  }
  return groups;
}

function sameMinute(a: Date | string, b: Date | string): boolean {
  return Math.abs(new Date(a).getTime() - new Date(b).getTime()) < 60_000;
}

/** The consent ledger, newest first, each entry with its evidence and the consent text shown. */
export function ConsentHistory({ entries }: { entries: ConsentHistoryEntry[] }) {
  if (entries.length === 0) {
    return (
      <EmptyState
        bare
        className="py-10"
        icon={HistoryIcon}
        title="No consent recorded"
        description="Opt-ins and opt-outs from forms, imports, keywords, unsubscribe links and admins appear here with their evidence."
      />
    );
  }
  return (
    <ol className="divide-y" data-testid="consent-history">
      {groupByBatch(entries).map((group) => {
        const entry = group[0]!;
        const pending = entry.action === "opted_in" && entry.needsConfirmation;
        const { Icon, tone } = actionIcon(entry.action, pending);
        // The note is shown above the details; the hash is shown last, next to the text it names.
        const evidence = Object.entries(entry.evidence).filter(([key]) => key !== "textHash" && key !== "note");
        const hasEvidence = evidence.length > 0 || entry.consentText || entry.evidence.textHash;
        return (
          <li key={entry.id} className="flex gap-3 px-4 py-4 sm:px-6" data-testid="consent-history-entry">
            <span
              className={cn(
                "mt-0.5 flex size-8 shrink-0 items-center justify-center rounded-full ring-1 ring-inset",
                tone,
              )}
            >
              <Icon className="size-4" aria-hidden />
            </span>
            <div className="grid min-w-0 flex-1 gap-1.5">
              <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                <span className="font-medium">
                  {pending ? "Opt-in awaiting confirmation" : (ACTION_LABELS[entry.action] ?? entry.action)}
                  <span className="font-normal text-muted-foreground"> · </span>
                  {group.map((e) => e.topicName).join(", ")}
                  <span className="font-normal text-muted-foreground"> on {CHANNEL_META[entry.channel].label}</span>
                </span>
                <Badge variant="outline" className="font-normal">
                  {SOURCE_LABELS[entry.source] ?? entry.source}
                </Badge>
              </div>
              <p className="text-xs text-muted-foreground">
                By <ActorName entry={entry} />
                {entry.origin ? (
                  <>
                    {" "}
                    · <HistoryLinkText label={entry.origin.label} href={entry.origin.href} />
                  </>
                ) : null}{" "}
                · <span className="sr-only">Occurred </span>
                <time dateTime={new Date(entry.occurredAt).toISOString()}>{formatWhen(entry.occurredAt)}</time>
                {sameMinute(entry.occurredAt, entry.recordedAt) ? null : (
                  <>
                    {" "}
                    · recorded{" "}
                    <time dateTime={new Date(entry.recordedAt).toISOString()}>{formatWhen(entry.recordedAt)}</time>
                  </>
                )}
              </p>
              {entry.evidence.note ? (
                <p
                  className="rounded-md border-l-2 border-primary/40 bg-muted/40 px-3 py-1.5 text-sm"
                  data-testid="consent-note"
                >
                  {entry.evidence.note}
                </p>
              ) : null}
              {hasEvidence ? (
                <details className="group text-sm">
                  <summary className="inline-flex cursor-pointer list-none items-center gap-1 rounded-sm text-xs font-medium text-muted-foreground outline-none select-none hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50 [&::-webkit-details-marker]:hidden">
                    <ChevronRightIcon className="size-3.5 transition-transform group-open:rotate-90" aria-hidden />
                    Evidence
                  </summary>
                  <dl className="mt-2 grid gap-x-4 gap-y-1.5 rounded-lg border bg-muted/20 p-3 text-xs sm:grid-cols-[auto_1fr]">
                    <dt className="text-muted-foreground">Occurred</dt>
                    <dd>{formatWhen(entry.occurredAt)}</dd>
                    <dt className="text-muted-foreground">Recorded</dt>
                    <dd>{formatWhen(entry.recordedAt)}</dd>
                    {evidence.map(([key, value]) => (
                      <EvidenceRow key={key} label={EVIDENCE_LABELS[key] ?? key} value={value} />
                    ))}
                    {entry.evidence.textHash ? (
                      <EvidenceRow label={EVIDENCE_LABELS.textHash!} value={entry.evidence.textHash} mono />
                    ) : null}
                    {entry.consentText ? (
                      <>
                        <dt className="flex items-start gap-1 text-muted-foreground">
                          <FileTextIcon className="mt-0.5 size-3" aria-hidden /> Consent text
                        </dt>
                        <dd>
                          <blockquote className="rounded-md border bg-background px-3 py-2 text-[13px] leading-relaxed whitespace-pre-wrap">
                            {entry.consentText}
                          </blockquote>
                        </dd>
                      </>
                    ) : null}
                  </dl>
                </details>
              ) : null}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

function EvidenceRow({ label, value, mono }: { label: string; value: string; mono?: boolean }) {
  return (
    <>
      <dt className="text-muted-foreground">{label}</dt>
      <dd className={cn("min-w-0 break-words", mono && "font-mono text-[11px] break-all")}>{value}</dd>
    </>
  );
}
