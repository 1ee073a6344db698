"use client";

import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CalendarClockIcon, FlaskConicalIcon, SendIcon } from "lucide-react";
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
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader } from "@/components/ui/card";
import { Checkbox } from "@/components/ui/checkbox";
import { cn } from "@/components/ui/cn";
import { FormField } from "@/components/ui/form-field";
import { fieldError, formErrorsFrom } from "@/components/ui/form-errors";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { Spinner } from "@/components/ui/spinner";
import { toast } from "@/components/ui/toaster";
import { useTRPC } from "@/components/providers/trpc-provider";
import { formatWhen } from "@/components/contacts/labels";
import { timeZoneOptions } from "@/components/settings/messaging-rules";
import type { TCampaign } from "@/server/services/campaigns";
import { CardHeading } from "./card-heading";
import { BestHoursTable } from "./best-hours-table";
import {
  bestHourWindowOf,
  buildRrule,
  driftPercentOf,
  formatInZone,
  previewOccurrences,
  scheduleDraftFrom,
  scheduleInput,
  WEEKDAYS,
  type Frequency,
  type RecurrenceEnd,
  type ScheduleDraft,
  type ScheduleMode,
} from "./schedule-draft";
import { SendingOptionsCard } from "./sending-options";
import { CampaignUtmCard } from "./campaign-utm-card";
import { formatUsd } from "./sms-cost-breakdown";

const MODES: { value: ScheduleMode; label: string; hint: string }[] = [
  { value: "now", label: "Send now", hint: "As soon as you confirm." },
  { value: "at", label: "At a time", hint: "Once, at a date and time in the zone you choose." },
  {
    value: "local",
    label: "At a local time in each recipient's zone",
    hint: "For example 10:00 wherever each contact is (their zone, else their phone number's, else the workspace's).",
  },
  {
    value: "best_hour",
    label: "At each recipient's best hour",
    hint: "Once, within a window you choose: each contact at the hour of their day they have opened and clicked most, or the workspace's best hour while their history is thin.",
  },
  {
    value: "recurring",
    label: "Recurring",
    hint: "Every day, week or month; each occurrence reaches the audience of that day.",
  },
];

/**
 * Step 5 of the editor (drafts and scheduled campaigns, marketers and up): when to send, next to
 * the last dry run, and the sending options. Scheduling hands over to the Progress tab.
 */
export function ScheduleStep({
  campaign,
  isAdmin,
  onScheduled,
  onReview,
}: {
  campaign: TCampaign;
  isAdmin: boolean;
  onScheduled: () => void;
  onReview: () => void;
}) {
  const trpc = useTRPC();
  const settings = useQuery(trpc.messagingSettings.get.queryOptions());
  // The workspace's zone is the default; if the settings cannot be read the form still works in UTC.
  const zone = settings.data?.timezone ?? (settings.isError ? "UTC" : null);
  return (
    <div className="grid gap-4">
      <div className="grid items-start gap-4 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
        {zone ? (
          <ScheduleCard campaign={campaign} workspaceZone={zone} onScheduled={onScheduled} />
        ) : (
          <Card aria-busy="true">
            <CardContent>
              <Skeleton className="h-64 w-full" />
            </CardContent>
          </Card>
        )}
        <DryRunSummary campaign={campaign} onReview={onReview} />
      </div>
      <SendingOptionsCard campaign={campaign} isAdmin={isAdmin} />
      <CampaignUtmCard campaign={campaign} canEdit />
    </div>
  );
}

function ScheduleCard({
  campaign,
  workspaceZone,
  onScheduled,
}: {
  campaign: TCampaign;
  workspaceZone: string;
  onScheduled: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const fieldId = React.useId();
  const [draft, setDraft] = React.useState<ScheduleDraft>(() =>
    scheduleDraftFrom(campaign.schedule, workspaceZone, new Date()),
  );
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const set = <K extends keyof ScheduleDraft>(key: K, value: ScheduleDraft[K]) =>
    setDraft((d) => ({ ...d, [key]: value }));

  const schedule = useMutation(
    trpc.campaigns.schedule.mutationOptions({
      onSuccess: (updated) => {
        setErrors({});
        // The editor switches to Progress with the new status at once, then everything is read again.
        queryClient.setQueryData(trpc.campaigns.get.queryKey({ id: updated.id }), updated);
        void queryClient.invalidateQueries({ queryKey: trpc.campaigns.pathKey() });
        toast.success(updated.status === "sending" ? "Sending started" : "Campaign scheduled");
        onScheduled();
      },
      onError: (error) => {
        const { fieldErrors, formError } = formErrorsFrom(error);
        setErrors(fieldErrors);
        toast.error(formError);
      },
    }),
  );

  const preview = useMutation(
    trpc.campaigns.dryRun.mutationOptions({
      onSuccess: (result) => {
        setErrors({});
        queryClient.setQueryData(trpc.campaigns.get.queryKey({ id: campaign.id }), (old) =>
          old ? { ...old, lastDryRun: result } : old,
        );
        void queryClient.invalidateQueries({ queryKey: trpc.campaigns.pathKey() });
        toast.success("Dry run done: the hours it would choose are beside the schedule");
      },
      onError: (error) => {
        const { fieldErrors, formError } = formErrorsFrom(error);
        setErrors(fieldErrors);
        toast.error(formError);
      },
    }),
  );

  function previewHours() {
    const window = bestHourWindowOf(draft);
    if (!window) {
      const checked = scheduleInput(campaign.id, draft);
      setErrors(checked.ok ? {} : checked.errors);
      return;
    }
    preview.mutate({ id: campaign.id, bestHour: window });
  }

  function submit() {
    const checked = scheduleInput(campaign.id, draft);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    schedule.mutate(checked.value);
  }

  const rrule = draft.mode === "recurring" ? buildRrule(draft) : "";
  const upcoming = React.useMemo(
    () => (rrule ? previewOccurrences(rrule, draft.timezone, new Date(), 3) : []),
    [rrule, draft.timezone],
  );
  const sendable = campaign.lastDryRun?.sendable;
  const rescheduling = campaign.status === "scheduled";
  const id = (name: string) => `${fieldId}-${name}`;

  return (
    <Card>
      <CardHeader>
        <CardHeading>{rescheduling ? "Reschedule" : "Schedule"}</CardHeading>
        <CardDescription>
          {rescheduling
            ? "A scheduled campaign can be moved until its run starts; the new schedule replaces the old one."
            : "Send it now, once at a time, at a local time in each recipient's zone, or on a recurring schedule. Every recipient is checked against consent, suppressions and caps when the run starts."}
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-6">
        <fieldset className="grid gap-3">
          <legend className="mb-2 text-sm font-medium">When</legend>
          {MODES.map((mode) => (
            <div key={mode.value} className="flex items-start gap-3">
              <input
                type="radio"
                id={id(`mode-${mode.value}`)}
                name={id("mode")}
                value={mode.value}
                checked={draft.mode === mode.value}
                onChange={() => {
                  setErrors({});
                  set("mode", mode.value);
                }}
                aria-describedby={id(`mode-${mode.value}-hint`)}
                className="mt-0.5 size-4 shrink-0 accent-primary"
              />
              <div className="grid gap-1">
                <Label htmlFor={id(`mode-${mode.value}`)}>{mode.label}</Label>
                <p id={id(`mode-${mode.value}-hint`)} className="text-xs text-muted-foreground">
                  {mode.hint}
                </p>
              </div>
            </div>
          ))}
        </fieldset>

        {draft.mode === "at" ? (
          <div className="grid gap-4 sm:grid-cols-3">
            <DateTimeFields
              date={draft.date}
              time={draft.time}
              onDate={(value) => set("date", value)}
              onTime={(value) => set("time", value)}
              dateError={fieldError(errors, "at") ?? errors.date}
              timeError={errors.time}
            />
            <ZoneField
              id={id("zone")}
              value={draft.timezone}
              onChange={(value) => set("timezone", value)}
              error={errors.timezone}
            />
          </div>
        ) : null}

        {draft.mode === "local" ? (
          <div className="grid gap-4 sm:grid-cols-3">
            <DateTimeFields
              date={draft.date}
              time={draft.time}
              onDate={(value) => set("date", value)}
              onTime={(value) => set("time", value)}
              dateError={errors.date}
              timeLabel="Local time"
              timeError={errors.localTime}
            />
            <FormField id={id("late")} label="Where the time has passed">
              <Select value={draft.late} onValueChange={(value) => set("late", value as ScheduleDraft["late"])}>
                <SelectTrigger id={id("late")} className="w-full">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  <SelectItem value="next_day">Send the next day</SelectItem>
                  <SelectItem value="send_now">Send at once</SelectItem>
                </SelectContent>
              </Select>
            </FormField>
          </div>
        ) : null}

        {draft.mode === "best_hour" ? (
          <div className="grid gap-4">
            <div className="grid gap-4 sm:grid-cols-3">
              <DateTimeFields
                date={draft.date}
                time={draft.time}
                onDate={(value) => set("date", value)}
                onTime={(value) => set("time", value)}
                dateLabel="Window starts on"
                dateError={fieldError(errors, "bestHour.windowStart") ?? errors.date}
                timeLabel="At"
                timeError={errors.time}
              />
              <ZoneField
                id={id("zone")}
                value={draft.timezone}
                onChange={(value) => set("timezone", value)}
                error={errors.timezone}
              />
            </div>
            <div className="grid gap-4 sm:grid-cols-3">
              <FormField
                label="Window length (hours)"
                required
                description="1 to 24; nobody is sent after it closes"
                error={fieldError(errors, "bestHour.windowHours")}
              >
                <Input
                  type="number"
                  min={1}
                  max={24}
                  value={draft.windowHours}
                  onChange={(e) => set("windowHours", e.target.value)}
                />
              </FormField>
              <FormField
                label="Fallback hour (0–23)"
                required
                description="Used while the workspace has little open and click history"
                error={fieldError(errors, "bestHour.fallbackHour")}
              >
                <Input
                  type="number"
                  min={0}
                  max={23}
                  value={draft.fallbackHour}
                  onChange={(e) => set("fallbackHour", e.target.value)}
                />
              </FormField>
            </div>
            <p className="rounded-md border bg-muted/30 p-3 text-sm text-muted-foreground" id={id("best-hour-help")}>
              Each recipient gets the whole local hour (in their zone, as for local-time sends) where their own opens
              and clicks of the last 180 days cluster, counted together with 5 events spread like the whole
              workspace&apos;s: a contact with one or two opens keeps close to the workspace&apos;s best hour, one with
              a dozen at the same hour gets theirs. Only hours inside the window are used, and for texts only hours
              outside the workspace&apos;s quiet hours.
            </p>
            <div>
              <Button type="button" variant="outline" disabled={preview.isPending} onClick={previewHours}>
                {preview.isPending ? <Spinner /> : <FlaskConicalIcon />}
                Dry run with this window
              </Button>
            </div>
          </div>
        ) : null}

        {draft.mode === "recurring" ? (
          <div className="grid gap-4">
            <div className="grid gap-4 sm:grid-cols-3">
              <FormField id={id("frequency")} label="Repeats" required>
                <Select value={draft.frequency} onValueChange={(value) => set("frequency", value as Frequency)}>
                  <SelectTrigger id={id("frequency")} className="w-full">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    <SelectItem value="daily">Daily</SelectItem>
                    <SelectItem value="weekly">Weekly</SelectItem>
                    <SelectItem value="monthly">Monthly</SelectItem>
                  </SelectContent>
                </Select>
              </FormField>
              <FormField label="Time" required error={errors.recurTime}>
                <Input type="time" value={draft.recurTime} onChange={(e) => set("recurTime", e.target.value)} />
              </FormField>
              <ZoneField
                id={id("zone")}
                value={draft.timezone}
                onChange={(value) => set("timezone", value)}
                error={errors.timezone}
              />
            </div>
            {draft.frequency === "weekly" ? (
              <fieldset className="grid gap-2" aria-describedby={errors.weekdays ? id("weekdays-error") : undefined}>
                <legend className="mb-1 text-sm font-medium">On</legend>
                <div className="flex flex-wrap gap-x-4 gap-y-2">
                  {WEEKDAYS.map(([code, name]) => (
                    <div key={code} className="flex items-center gap-2">
                      <Checkbox
                        id={id(`day-${code}`)}
                        checked={draft.weekdays.includes(code)}
                        onCheckedChange={(on) =>
                          set("weekdays", on ? [...draft.weekdays, code] : draft.weekdays.filter((d) => d !== code))
                        }
                      />
                      <Label htmlFor={id(`day-${code}`)} className="font-normal">
                        {name}
                      </Label>
                    </div>
                  ))}
                </div>
                {errors.weekdays ? (
                  <p id={id("weekdays-error")} role="alert" className="text-xs font-medium text-destructive">
                    {errors.weekdays}
                  </p>
                ) : null}
              </fieldset>
            ) : null}
            {draft.frequency === "monthly" ? (
              <FormField label="Day of the month" required error={errors.monthDay} className="sm:max-w-48">
                <Input
                  type="number"
                  min={1}
                  max={31}
                  value={draft.monthDay}
                  onChange={(e) => set("monthDay", e.target.value)}
                />
              </FormField>
            ) : null}
            <div className="grid gap-4 sm:grid-cols-3">
              <FormField id={id("ends")} label="Ends">
                <Select value={draft.ends} onValueChange={(value) => set("ends", value as RecurrenceEnd)}>
                  <SelectTrigger id={id("ends")} className="w-full">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    <SelectItem value="count">After a number of times</SelectItem>
                    <SelectItem value="until">On a date</SelectItem>
                    <SelectItem value="never">Never</SelectItem>
                  </SelectContent>
                </Select>
              </FormField>
              {draft.ends === "count" ? (
                <FormField label="Occurrences" required error={errors.count}>
                  <Input
                    type="number"
                    min={1}
                    max={1000}
                    value={draft.count}
                    onChange={(e) => set("count", e.target.value)}
                  />
                </FormField>
              ) : null}
              {draft.ends === "until" ? (
                <FormField label="Last date" required error={errors.until} description="Included">
                  <Input type="date" value={draft.until} onChange={(e) => set("until", e.target.value)} />
                </FormField>
              ) : null}
            </div>
            <div className="grid gap-2 rounded-md border bg-muted/30 p-3 text-sm" aria-live="polite">
              <p>
                <span className="font-medium">Rule: </span>
                <code className="font-mono text-xs break-all" data-testid="campaign-rrule">
                  {rrule}
                </code>
              </p>
              {errors.rrule ? (
                <p role="alert" className="text-xs font-medium text-destructive">
                  {errors.rrule}
                </p>
              ) : null}
              {upcoming.length > 0 ? (
                <p className="text-muted-foreground">
                  Next: {upcoming.map((at) => formatInZone(at, draft.timezone)).join(" · ")} ({draft.timezone})
                </p>
              ) : null}
            </div>
          </div>
        ) : null}

        <div className="flex flex-wrap items-center gap-3">
          {draft.mode === "now" ? (
            <AlertDialog>
              <AlertDialogTrigger asChild>
                <Button type="button" disabled={schedule.isPending}>
                  {schedule.isPending ? <Spinner /> : <SendIcon />}
                  Send now
                </Button>
              </AlertDialogTrigger>
              <AlertDialogContent>
                <AlertDialogHeader>
                  <AlertDialogTitle>Send this campaign now?</AlertDialogTitle>
                  <AlertDialogDescription>
                    {sendable !== undefined
                      ? `The last dry run found ${sendable.toLocaleString("en-US")} ${sendable === 1 ? "contact" : "contacts"} it can be sent to. Each one is checked again as it goes; you can pause or cancel from the Progress tab.`
                      : "There is no dry run yet, so how many contacts it reaches is not known. Each one is checked as it goes; you can pause or cancel from the Progress tab."}
                  </AlertDialogDescription>
                </AlertDialogHeader>
                <AlertDialogFooter>
                  <AlertDialogCancel>Cancel</AlertDialogCancel>
                  <AlertDialogAction onClick={submit}>
                    Send to {sendable !== undefined ? sendable.toLocaleString("en-US") : "the audience"}
                  </AlertDialogAction>
                </AlertDialogFooter>
              </AlertDialogContent>
            </AlertDialog>
          ) : (
            <Button type="button" disabled={schedule.isPending} onClick={submit}>
              {schedule.isPending ? <Spinner /> : <CalendarClockIcon />}
              {rescheduling ? "Reschedule" : "Schedule"}
            </Button>
          )}
        </div>
      </CardContent>
    </Card>
  );
}

/** A required date and time pair (the one-off, local-time and best-hour schedules). */
function DateTimeFields({
  date,
  time,
  onDate,
  onTime,
  dateLabel = "Date",
  timeLabel = "Time",
  dateError,
  timeError,
}: {
  date: string;
  time: string;
  onDate: (value: string) => void;
  onTime: (value: string) => void;
  dateLabel?: string;
  timeLabel?: string;
  dateError?: string;
  timeError?: string;
}) {
  return (
    <>
      <FormField label={dateLabel} required error={dateError}>
        <Input type="date" value={date} onChange={(e) => onDate(e.target.value)} />
      </FormField>
      <FormField label={timeLabel} required error={timeError}>
        <Input type="time" value={time} onChange={(e) => onTime(e.target.value)} />
      </FormField>
    </>
  );
}

/** A time zone chooser: every zone the browser knows, the workspace's first when it is the value. */
function ZoneField({
  id,
  value,
  onChange,
  error,
}: {
  id: string;
  value: string;
  onChange: (zone: string) => void;
  error?: string;
}) {
  const zones = React.useMemo(() => timeZoneOptions(value), [value]);
  return (
    <FormField id={id} label="Time zone" required error={error}>
      <Select value={value} onValueChange={onChange}>
        {/* The label points at the trigger (FormField's id lands on the Select root, which renders no element). */}
        <SelectTrigger
          id={id}
          className="w-full"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
        >
          <SelectValue />
        </SelectTrigger>
        <SelectContent className="max-h-72">
          {zones.map((zone) => (
            <SelectItem key={zone} value={zone}>
              {zone.replaceAll("_", " ")}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
    </FormField>
  );
}

/** The last dry run beside the schedule, with the advice to run one just before sending. */
function DryRunSummary({ campaign, onReview }: { campaign: TCampaign; onReview: () => void }) {
  const dry = campaign.lastDryRun;
  const blocked = dry ? Object.values(dry.blocked).reduce<number>((sum, n) => sum + (n ?? 0), 0) : 0;
  return (
    <Card data-testid="schedule-dry-run">
      <CardHeader>
        <CardHeading>Last dry run</CardHeading>
        <CardDescription>
          Run one just before you send: a run whose audience{campaign.channel === "sms" ? " or SMS cost" : ""} moved
          more than {driftPercentOf(campaign.options)} from it pauses for review.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {dry ? (
          <>
            <dl className="grid grid-cols-3 gap-2">
              <Figure label="Audience" value={dry.audience} />
              <Figure label="Sendable" value={dry.sendable} />
              <Figure label="Blocked" value={blocked} />
            </dl>
            {campaign.channel === "sms" && dry.estimatedCost ? (
              <p className="text-sm">
                Estimated cost:{" "}
                <span className="font-semibold tabular-nums">{formatUsd(dry.estimatedCost.amount)}</span>
                {dry.estimatedCost.defaultPriced ? (
                  <span className="text-muted-foreground">
                    {" "}
                    ({dry.estimatedCost.defaultPriced.toLocaleString("en-US")} at the default price)
                  </span>
                ) : null}
              </p>
            ) : null}
            {dry.bestHour ? (
              <div className="grid gap-2" data-testid="dry-run-best-hours">
                <p className="text-sm">
                  Best hours from {formatWhen(dry.bestHour.windowStart)}, {dry.bestHour.windowHours} h:{" "}
                  {dry.bestHour.withHistory.toLocaleString("en-US")} with their own opens or clicks,{" "}
                  {dry.bestHour.priorOnly.toLocaleString("en-US")} on the workspace&apos;s best hour.
                </p>
                <BestHoursTable caption="Hours it would choose, in each recipient's zone" rows={dry.bestHour.hours} />
              </div>
            ) : null}
            <p className="text-xs text-muted-foreground">Counted {formatWhen(dry.computedAt)}.</p>
          </>
        ) : (
          <p className="text-sm text-muted-foreground">
            No dry run yet. We recommend one before sending: it shows who the campaign reaches and why others are
            blocked.
          </p>
        )}
        <div>
          <Button type="button" variant="outline" onClick={onReview}>
            <FlaskConicalIcon />
            {dry ? "Review the dry run" : "Run a dry run"}
          </Button>
        </div>
      </CardContent>
    </Card>
  );
}

function Figure({ label, value, className }: { label: string; value: number; className?: string }) {
  return (
    <div className={cn("rounded-lg border p-2", className)}>
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="text-lg font-semibold tabular-nums">{value.toLocaleString("en-US")}</dd>
    </div>
  );
}
