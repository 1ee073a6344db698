"use client";

import * as React from "react";
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { AlertTriangleIcon, MessagesSquareIcon, PauseIcon, PlayIcon, SendIcon, XCircleIcon } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardContent, CardDescription, CardHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { Spinner } from "@/components/ui/spinner";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toaster";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { formatWhen } from "@/components/contacts/labels";
import { LoadError, LoadingRows } from "@/components/settings/table-states";
import type { TCampaign, TCampaignProgress, TCampaignRun } from "@/server/services/campaigns";
import { AbTestResultsCard } from "./ab-test-results";
import { BestHoursTable } from "./best-hours-table";
import { CampaignEngagementCard } from "./campaign-engagement";
import { CampaignRecipients } from "./campaign-recipients";
import type { RecipientFilter } from "./campaign-report";
import { CardHeading } from "./card-heading";
import {
  blockReasonLabel,
  RUN_KIND_LABELS,
  RUN_STATUS_LABELS,
  RUN_STATUS_VARIANTS,
  STATUS_LABELS,
  STATUS_VARIANTS,
  ZONE_SOURCE_LABELS,
} from "./labels";
import { blockedTotal, handedOf, statusReasonText, TIMELINE_LABELS, timelineSummary } from "./progress-text";
import { describeSchedule } from "./schedule-draft";
import { SendingOptionsCard } from "./sending-options";

/** Campaign statuses whose figures move on their own: polled every 2 s. */
export const LIVE_STATUSES: ReadonlySet<string> = new Set(["scheduled", "sending"]);
const POLL_MS = 2_000;

/**
 * The Progress tab: status, schedule and why it stopped; pause, resume, cancel and "send to the
 * rest"; the latest run's progress and counters (live while it is scheduled or sending); zones of
 * a local-time run; every run; the recipients of the chosen run; the timeline.
 */
export function CampaignProgress({
  campaign,
  canEdit,
  isAdmin,
  recipientFilter,
}: {
  campaign: TCampaign;
  canEdit: boolean;
  isAdmin: boolean;
  /** The recipients list starts filtered so (the Report's "Show recipients"). */
  recipientFilter?: RecipientFilter;
}) {
  const trpc = useTRPC();
  const live = LIVE_STATUSES.has(campaign.status);
  const progress = useQuery({
    ...trpc.campaigns.progress.queryOptions({ id: campaign.id }),
    refetchInterval: live ? POLL_MS : false,
  });
  const runs = useQuery({
    ...trpc.campaigns.runs.queryOptions({ id: campaign.id }),
    refetchInterval: live ? POLL_MS : false,
  });
  // The last poll may predate the status change (polling stops once the run ends): read the figures again then.
  const queryClient = useQueryClient();
  const seenStatus = React.useRef(campaign.status);
  React.useEffect(() => {
    if (seenStatus.current === campaign.status) return;
    seenStatus.current = campaign.status;
    void queryClient.invalidateQueries({ queryKey: trpc.campaigns.progress.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.campaigns.runs.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.campaigns.recipients.pathKey() });
  }, [campaign.status, queryClient, trpc]);
  const [selectedRunId, setSelectedRunId] = React.useState<string | null>(null);
  const runItems = runs.data?.items ?? [];
  const selectedRun = runItems.find((r) => r.id === selectedRunId) ?? runItems[0] ?? null;

  return (
    <div className="grid gap-4">
      <StatusCard campaign={campaign} progress={progress.data} canEdit={canEdit} />
      {progress.isError ? (
        <LoadError message={errorMessage(progress.error)} onRetry={() => void progress.refetch()} />
      ) : null}
      {progress.data && progress.data.zones.length > 0 ? <ZonesCard zones={progress.data.zones} /> : null}
      {progress.data && progress.data.hours.length > 0 ? <HoursChosenCard hours={progress.data.hours} /> : null}
      {runItems.length > 0 && campaign.kind === "marketing" ? (
        <CampaignEngagementCard campaign={campaign} live={live} />
      ) : null}
      {runItems.some((r) => r.kind === "ab_test") ? (
        <AbTestResultsCard campaign={campaign} canEdit={canEdit} live={live} />
      ) : null}

      <Card className="gap-0 pb-0">
        <CardHeader className="pb-4">
          <CardHeading>Runs</CardHeading>
          <CardDescription>
            Each send of the campaign: the one-off send, each recurring occurrence, a follow-up to the rest or to the
            recipients a frequency cap skipped. Choose one to list its recipients.
          </CardDescription>
          {runs.data && runs.data.capSkipped > 0 ? (
            <CardAction>
              <SendToCapSkipped campaign={campaign} count={runs.data.capSkipped} canEdit={canEdit} />
            </CardAction>
          ) : null}
        </CardHeader>
        {runs.isPending ? (
          <LoadingRows label="Loading runs" />
        ) : runs.isError ? (
          <LoadError message={errorMessage(runs.error)} onRetry={() => void runs.refetch()} />
        ) : runItems.length === 0 ? (
          <p className="px-6 pb-6 text-sm text-muted-foreground">No run yet.</p>
        ) : (
          <RunsTable runs={runItems} selectedId={selectedRun?.id ?? null} onSelect={setSelectedRunId} />
        )}
      </Card>

      {selectedRun ? (
        <CampaignRecipients
          key={recipientFilter ? `${recipientFilter.outcome}:${recipientFilter.reason ?? ""}` : "all"}
          initialFilter={recipientFilter}
          campaignId={campaign.id}
          run={selectedRun}
          latest={selectedRun.id === runItems[0]?.id}
          live={live}
          masked={!canEdit}
        />
      ) : null}

      {canEdit && (campaign.status === "sending" || campaign.status === "paused") ? (
        <SendingOptionsCard campaign={campaign} isAdmin={isAdmin} />
      ) : null}

      <TimelineCard campaign={campaign} timeline={progress.data?.timeline} pending={progress.isPending} />
    </div>
  );
}

function StatusCard({
  campaign,
  progress,
  canEdit,
}: {
  campaign: TCampaign;
  progress: TCampaignProgress | undefined;
  canEdit: boolean;
}) {
  const run = progress?.run ?? null;
  const reason =
    run && (run.status === "paused" || run.status === "cancelled" || run.status === "failed")
      ? statusReasonText(run.status, run.statusReason, campaign.options)
      : null;
  return (
    <Card data-testid="campaign-progress">
      <CardHeader>
        <CardHeading>Progress</CardHeading>
        <CardDescription data-testid="campaign-schedule">{describeSchedule(campaign.schedule)}</CardDescription>
        <CardAction>
          <Badge variant={STATUS_VARIANTS[campaign.status]} data-testid="campaign-progress-status">
            {STATUS_LABELS[campaign.status]}
          </Badge>
        </CardAction>
      </CardHeader>
      <CardContent className="grid gap-5">
        {campaign.nextRunAt || (run && run.status === "scheduled") ? (
          <p className="text-sm">
            {campaign.nextRunAt ? (
              <>
                Next occurrence:{" "}
                <time dateTime={campaign.nextRunAt.toISOString()}>{formatWhen(campaign.nextRunAt)}</time>
              </>
            ) : run ? (
              <>
                Starts <time dateTime={run.scheduledFor.toISOString()}>{formatWhen(run.scheduledFor)}</time>
                {campaign.schedule?.type === "local" ? " (when the first time zone reaches the local time)" : ""}
                {campaign.schedule?.type === "best_hour" ? " (when the window opens)" : ""}
              </>
            ) : null}
          </p>
        ) : null}

        {reason ? (
          <Alert
            variant={run?.status === "failed" ? "destructive" : run?.status === "paused" ? "warning" : "default"}
            data-testid="campaign-status-reason"
          >
            <AlertTriangleIcon />
            <AlertTitle>{run ? RUN_STATUS_LABELS[run.status] : null}</AlertTitle>
            <AlertDescription>{reason}</AlertDescription>
          </Alert>
        ) : null}

        <div className="flex flex-wrap items-center gap-2">
          {canEdit ? <CampaignActions campaign={campaign} /> : null}
          <Button variant="outline" asChild>
            <Link href={`/messages?campaignId=${campaign.id}`}>
              <MessagesSquareIcon />
              View messages
            </Link>
          </Button>
        </div>

        {run ? <RunFigures run={run} /> : <p className="text-sm text-muted-foreground">No run yet.</p>}
      </CardContent>
    </Card>
  );
}

/** Pause, resume, cancel (confirmed) and send to the rest, as the status allows. */
function CampaignActions({ campaign }: { campaign: TCampaign }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const done = (message: string) => (updated: TCampaign) => {
    queryClient.setQueryData(trpc.campaigns.get.queryKey({ id: updated.id }), updated);
    void queryClient.invalidateQueries({ queryKey: trpc.campaigns.pathKey() });
    toast.success(message);
  };
  const failed = (error: unknown) => toast.error(errorMessage(error));
  const pause = useMutation(
    trpc.campaigns.pause.mutationOptions({ onSuccess: done("Campaign paused"), onError: failed }),
  );
  const resume = useMutation(
    trpc.campaigns.resume.mutationOptions({ onSuccess: done("Campaign resumed"), onError: failed }),
  );
  const cancel = useMutation(
    trpc.campaigns.cancel.mutationOptions({ onSuccess: done("Campaign cancelled"), onError: failed }),
  );
  const rest = useMutation(
    trpc.campaigns.sendToRest.mutationOptions({ onSuccess: done("Sending to the rest"), onError: failed }),
  );
  const busy = pause.isPending || resume.isPending || cancel.isPending || rest.isPending;
  const input = { id: campaign.id };
  const status = campaign.status;

  return (
    <>
      {status === "scheduled" || status === "sending" ? (
        <Button type="button" variant="outline" disabled={busy} onClick={() => pause.mutate(input)}>
          {pause.isPending ? <Spinner /> : <PauseIcon />}
          Pause
        </Button>
      ) : null}
      {status === "paused" ? (
        <Button type="button" disabled={busy} onClick={() => resume.mutate(input)}>
          {resume.isPending ? <Spinner /> : <PlayIcon />}
          Resume
        </Button>
      ) : null}
      {status === "scheduled" || status === "sending" || status === "paused" ? (
        <AlertDialog>
          <AlertDialogTrigger asChild>
            <Button type="button" variant="outline" disabled={busy}>
              {cancel.isPending ? <Spinner /> : <XCircleIcon />}
              Cancel campaign
            </Button>
          </AlertDialogTrigger>
          <AlertDialogContent>
            <AlertDialogHeader>
              <AlertDialogTitle>Cancel this campaign?</AlertDialogTitle>
              <AlertDialogDescription>
                Recipients not reached yet are not sent to, and messages not yet handed to the provider stop. Messages
                already with the provider still arrive. Afterwards you can send to the rest.
              </AlertDialogDescription>
            </AlertDialogHeader>
            <AlertDialogFooter>
              <AlertDialogCancel>Keep it</AlertDialogCancel>
              <AlertDialogAction variant="destructive" onClick={() => cancel.mutate(input)}>
                Cancel campaign
              </AlertDialogAction>
            </AlertDialogFooter>
          </AlertDialogContent>
        </AlertDialog>
      ) : null}
      {status === "cancelled" || status === "failed" ? (
        <Button type="button" disabled={busy} onClick={() => rest.mutate(input)}>
          {rest.isPending ? <Spinner /> : <SendIcon />}
          Send to the rest
        </Button>
      ) : null}
    </>
  );
}

/**
 * "Send to N cap-skipped" (confirmed): a follow-up run to the recipients a frequency cap blocked
 * that no later run reached. Disabled for viewers.
 */
function SendToCapSkipped({ campaign, count, canEdit }: { campaign: TCampaign; count: number; canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const send = useMutation(
    trpc.campaigns.sendToCapSkipped.mutationOptions({
      onSuccess: (updated) => {
        queryClient.setQueryData(trpc.campaigns.get.queryKey({ id: updated.id }), updated);
        void queryClient.invalidateQueries({ queryKey: trpc.campaigns.pathKey() });
        toast.success("Sending to the cap-skipped recipients");
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );
  const label = `Send to ${count.toLocaleString("en-US")} cap-skipped`;
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button
          type="button"
          variant="outline"
          size="sm"
          disabled={!canEdit || send.isPending}
          title={canEdit ? undefined : "Viewers cannot send campaigns"}
          data-testid="send-to-cap-skipped"
        >
          {send.isPending ? <Spinner /> : <SendIcon />}
          {label}
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Send to the cap-skipped recipients?</AlertDialogTitle>
          <AlertDialogDescription>
            {count === 1 ? "1 recipient was" : `${count.toLocaleString("en-US")} recipients were`} not sent this
            campaign because of a frequency cap. A new run sends it to them now. Each is checked again when sent: anyone
            still at a cap, or who opted out meanwhile, is blocked again.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Not now</AlertDialogCancel>
          <AlertDialogAction onClick={() => send.mutate({ id: campaign.id })}>{label}</AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

/** The run's progress bar (handed ÷ sendable) with its text, and its counters. */
function RunFigures({ run }: { run: TCampaignRun }) {
  const counts = run.counts;
  if (!run.frozenAt)
    return (
      <p className="text-sm text-muted-foreground">
        {run.status === "scheduled" || run.status === "materialising" || run.status === "paused"
          ? "The audience is fixed and checked when the run starts; the figures appear then."
          : "This run ended before it started: nobody was sent anything."}
      </p>
    );
  const { handed, sendable, percent } = handedOf(counts);
  const shown = run.status === "completed" && sendable === 0 ? 100 : percent;
  const text = `${handed.toLocaleString("en-US")} of ${sendable.toLocaleString("en-US")} sendable recipients dealt with (${shown}%)`;
  const blocked = Object.entries(counts.blocked).filter(([, n]) => (n ?? 0) > 0);
  return (
    <div className="grid gap-4">
      <div className="grid gap-2">
        <div
          role="progressbar"
          aria-label="Sending progress"
          aria-valuemin={0}
          aria-valuemax={Math.max(sendable, 1)}
          aria-valuenow={sendable === 0 ? (run.status === "completed" ? 1 : 0) : handed}
          aria-valuetext={text}
          className="h-2.5 w-full overflow-hidden rounded-full bg-muted"
        >
          <div
            className={cn(
              "h-full rounded-full transition-[width] duration-300",
              run.status === "failed" ? "bg-destructive" : run.status === "paused" ? "bg-warning" : "bg-primary",
            )}
            style={{ width: `${shown}%` }}
          />
        </div>
        <p className="text-sm text-muted-foreground" data-testid="campaign-progress-text">
          {text}
        </p>
      </div>
      <dl className="grid grid-cols-2 gap-2 sm:grid-cols-3 lg:grid-cols-5" data-testid="campaign-counters">
        <Counter label="Audience" value={counts.audience} />
        <Counter label="Queued" value={counts.queued} />
        <Counter label="Deferred" value={counts.deferred} />
        <Counter label="Sent" value={counts.sent} />
        <Counter label="Delivered" value={counts.delivered} />
        <Counter label="Failed" value={counts.failed} />
        <Counter label="Cancelled" value={counts.cancelled} />
        <Counter label="Skipped" value={counts.skipped} />
        <Counter label="Blocked" value={blockedTotal(counts)} />
      </dl>
      {blocked.length > 0 ? (
        <div className="grid gap-1">
          <p className="text-sm font-medium">Blocked by reason</p>
          <dl className="grid gap-x-6 gap-y-1 text-sm sm:grid-cols-2 lg:grid-cols-3">
            {blocked.map(([reason, n]) => (
              <div key={reason} className="flex justify-between gap-4 border-b py-1">
                <dt className="text-muted-foreground">{blockReasonLabel(reason)}</dt>
                <dd className="tabular-nums">{(n ?? 0).toLocaleString("en-US")}</dd>
              </div>
            ))}
          </dl>
        </div>
      ) : null}
    </div>
  );
}

function Counter({ label, value }: { label: string; value: number | null }) {
  return (
    <div className="rounded-lg border p-3">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="text-xl font-semibold tabular-nums">{value === null ? "—" : value.toLocaleString("en-US")}</dd>
    </div>
  );
}

function ZonesCard({ zones }: { zones: TCampaignProgress["zones"] }) {
  return (
    <Card className="gap-0 pb-0">
      <CardHeader className="pb-4">
        <CardHeading>Time zones</CardHeading>
        <CardDescription>Each zone&apos;s recipients are sent when the local time comes there.</CardDescription>
      </CardHeader>
      <Table data-testid="campaign-zones">
        <TableHeader>
          <TableRow>
            <TableHead scope="col">Zone</TableHead>
            <TableHead scope="col">Source</TableHead>
            <TableHead scope="col">Send time</TableHead>
            <TableHead scope="col" className="text-right">
              Total
            </TableHead>
            <TableHead scope="col" className="text-right">
              Pending
            </TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {zones.map((z) => (
            <TableRow key={`${z.zone}-${z.source}`}>
              <TableCell>{z.zone.replaceAll("_", " ")}</TableCell>
              <TableCell className="text-muted-foreground">{ZONE_SOURCE_LABELS[z.source] ?? z.source}</TableCell>
              <TableCell className="tabular-nums">{z.sendAt ? formatWhen(z.sendAt) : "—"}</TableCell>
              <TableCell className="text-right tabular-nums">{z.total.toLocaleString("en-US")}</TableCell>
              <TableCell className="text-right tabular-nums">{z.pending.toLocaleString("en-US")}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Card>
  );
}

function HoursChosenCard({ hours }: { hours: TCampaignProgress["hours"] }) {
  return (
    <Card>
      <CardHeader>
        <CardHeading>Hours chosen</CardHeading>
        <CardDescription>
          Each recipient is sent at the start of their best local hour inside the window: from their own opens and
          clicks, pulled toward the workspace&apos;s best hour while they have few.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <BestHoursTable
          caption="Recipients by the local hour chosen for them"
          rows={hours.map((h) => ({ hour: h.hour, recipients: h.total, pending: h.pending }))}
          testId="campaign-hours-chosen"
        />
      </CardContent>
    </Card>
  );
}

function RunsTable({
  runs,
  selectedId,
  onSelect,
}: {
  runs: TCampaignRun[];
  selectedId: string | null;
  onSelect: (id: string) => void;
}) {
  const when = (value: Date | null) => (value ? <time dateTime={value.toISOString()}>{formatWhen(value)}</time> : "—");
  return (
    <Table data-testid="campaign-runs">
      <TableHeader>
        <TableRow>
          <TableHead scope="col">Kind</TableHead>
          <TableHead scope="col">Status</TableHead>
          <TableHead scope="col">Scheduled for</TableHead>
          <TableHead scope="col" className="hidden md:table-cell">
            Started
          </TableHead>
          <TableHead scope="col" className="hidden md:table-cell">
            Completed
          </TableHead>
          <TableHead scope="col">Sent / audience</TableHead>
          <TableHead scope="col">
            <span className="sr-only">Recipients</span>
          </TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {runs.map((run) => {
          const selected = run.id === selectedId;
          return (
            <TableRow key={run.id} data-state={selected ? "selected" : undefined} data-testid="campaign-run-row">
              <TableCell>{RUN_KIND_LABELS[run.kind] ?? run.kind}</TableCell>
              <TableCell>
                <Badge variant={RUN_STATUS_VARIANTS[run.status] ?? "muted"}>
                  {RUN_STATUS_LABELS[run.status] ?? run.status}
                </Badge>
              </TableCell>
              <TableCell className="tabular-nums">{when(run.scheduledFor)}</TableCell>
              <TableCell className="hidden tabular-nums md:table-cell">{when(run.startedAt)}</TableCell>
              <TableCell className="hidden tabular-nums md:table-cell">{when(run.completedAt)}</TableCell>
              <TableCell className="tabular-nums">
                {run.frozenAt
                  ? `${(run.counts.sent ?? 0).toLocaleString("en-US")} / ${(run.counts.audience ?? 0).toLocaleString("en-US")}`
                  : "—"}
              </TableCell>
              <TableCell className="text-right">
                <Button
                  type="button"
                  size="sm"
                  variant={selected ? "secondary" : "outline"}
                  aria-pressed={selected}
                  onClick={() => onSelect(run.id)}
                >
                  {selected ? "Showing recipients" : "Show recipients"}
                </Button>
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}

function TimelineCard({
  campaign,
  timeline,
  pending,
}: {
  campaign: TCampaign;
  timeline: TCampaignProgress["timeline"] | undefined;
  pending: boolean;
}) {
  return (
    <Card>
      <CardHeader>
        <CardHeading>Timeline</CardHeading>
        <CardDescription>What happened to the campaign, newest first.</CardDescription>
      </CardHeader>
      <CardContent>
        {pending ? (
          <LoadingRows label="Loading the timeline" />
        ) : !timeline || timeline.length === 0 ? (
          <p className="text-sm text-muted-foreground">Nothing yet.</p>
        ) : (
          <ol className="grid gap-0" data-testid="campaign-timeline">
            {timeline.map((event, i) => {
              const summary = timelineSummary(event, campaign.options);
              return (
                <li
                  key={`${event.occurredAt.toISOString()}-${event.type}-${i}`}
                  className="grid gap-0.5 border-b py-2 text-sm last:border-0 sm:grid-cols-[10rem_12rem_1fr] sm:gap-3"
                >
                  <span className="font-medium">{TIMELINE_LABELS[event.type] ?? event.type}</span>
                  <time className="text-muted-foreground tabular-nums" dateTime={event.occurredAt.toISOString()}>
                    {formatWhen(event.occurredAt)}
                  </time>
                  <span className="text-muted-foreground">{summary}</span>
                </li>
              );
            })}
          </ol>
        )}
      </CardContent>
    </Card>
  );
}
