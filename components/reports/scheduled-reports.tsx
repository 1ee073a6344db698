"use client";

import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CalendarClockIcon, PencilIcon, PlusIcon, Trash2Icon } from "lucide-react";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { LoadError, LoadingRows } from "@/components/settings/table-states";
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
import { Checkbox } from "@/components/ui/checkbox";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Switch } from "@/components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toaster";
import type { TScheduledReport } from "@/server/services/reports";
import type { ScheduledReportRange } from "@/server/shared/enums";
import { CHANNEL_OPTIONS } from "@/components/contacts/labels";
import { OptionalSelect } from "@/components/ui/filter-fields";

/** What "Schedule this report" links pass in: the kind and the filters of the page it came from. */
export interface ScheduleDraftParams {
  kind: "dashboard" | "campaign";
  campaignId?: string;
  topic?: string;
  channel?: "email" | "sms";
}

const PRESETS = [
  { id: "weekly", label: "Weekly (Mondays 08:00)", rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0" },
  { id: "monthly", label: "Monthly (1st, 08:00)", rrule: "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=8;BYMINUTE=0" },
  { id: "custom", label: "Custom rule", rrule: "" },
] as const;
const RANGE_LABELS: Record<ScheduledReportRange, string> = {
  last_7_days: "Last 7 days",
  last_30_days: "Last 30 days",
  previous_month: "Previous calendar month",
};
const ALL = "__all__";

interface Form {
  id: string | null;
  name: string;
  kind: "dashboard" | "campaign";
  campaignId: string;
  range: ScheduledReportRange;
  topic: string;
  channel: string;
  preset: string;
  rrule: string;
  timezone: string;
  recipients: string[];
}

function when(at: Date | null, timeZone: string): string {
  if (!at) return "—";
  return new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone }).format(new Date(at));
}

export function ScheduledReports({
  canEdit,
  defaultTimezone,
  topics,
  draft,
}: {
  canEdit: boolean;
  defaultTimezone: string;
  topics: { key: string; name: string }[];
  draft: ScheduleDraftParams | null;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.reports.listSchedules.queryOptions());
  const blank = (d: ScheduleDraftParams | null): Form => ({
    id: null,
    name: d?.kind === "campaign" ? "Campaign report" : "Weekly dashboard",
    kind: d?.kind ?? "dashboard",
    campaignId: d?.campaignId ?? "",
    range: "last_7_days",
    topic: d?.topic ?? ALL,
    channel: d?.channel ?? ALL,
    preset: "weekly",
    rrule: PRESETS[0].rrule,
    timezone: defaultTimezone,
    recipients: [],
  });
  const [form, setForm] = React.useState<Form | null>(canEdit && draft ? blank(draft) : null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.reports.listSchedules.queryKey() });
  const toggle = useMutation(
    trpc.reports.updateSchedule.mutationOptions({
      onSuccess: () => void refresh(),
      onError: (e) => toast.error(errorMessage(e)),
    }),
  );
  const remove = useMutation(
    trpc.reports.deleteSchedule.mutationOptions({
      onSuccess: () => {
        toast.success("Scheduled report deleted");
        void refresh();
      },
      onError: (e) => toast.error(errorMessage(e)),
    }),
  );

  const edit = (s: TScheduledReport) => {
    const preset = PRESETS.find((p) => p.rrule === s.rrule)?.id ?? "custom";
    setForm({
      id: s.id,
      name: s.name,
      kind: s.kind,
      campaignId: s.campaignId ?? "",
      range: s.filters.range,
      topic: s.filters.topic ?? ALL,
      channel: s.filters.channel ?? ALL,
      preset,
      rrule: s.rrule,
      timezone: s.timezone,
      recipients: s.recipientUserIds,
    });
  };

  return (
    <div className="grid gap-4">
      {canEdit ? (
        <div>
          <Button onClick={() => setForm(blank(null))}>
            <PlusIcon />
            New scheduled report
          </Button>
        </div>
      ) : null}
      {list.isPending ? (
        <LoadingRows label="Loading scheduled reports" />
      ) : list.isError ? (
        <LoadError message={errorMessage(list.error)} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <EmptyState
          icon={CalendarClockIcon}
          title="No scheduled reports"
          description="Send the dashboard or a campaign's report as a PDF every week or month."
        />
      ) : (
        <Table aria-label="Scheduled reports">
          <TableHeader>
            <TableRow>
              <TableHead>Name</TableHead>
              <TableHead>Report</TableHead>
              <TableHead>Schedule</TableHead>
              <TableHead>Next send</TableHead>
              <TableHead>Last sent</TableHead>
              <TableHead>Enabled</TableHead>
              {canEdit ? <TableHead className="text-right">Actions</TableHead> : null}
            </TableRow>
          </TableHeader>
          <TableBody>
            {list.data.items.map((s) => (
              <TableRow key={s.id}>
                <TableCell className="min-w-40 font-medium whitespace-normal">{s.name}</TableCell>
                <TableCell className="min-w-36 whitespace-normal">
                  {s.kind === "campaign"
                    ? `Campaign: ${s.campaignName ?? "—"}`
                    : `Dashboard, ${RANGE_LABELS[s.filters.range].toLowerCase()}`}
                </TableCell>
                <TableCell className="min-w-44 whitespace-normal">
                  {PRESETS.find((p) => p.rrule === s.rrule && p.id !== "custom")?.label ?? s.rrule}
                  <span className="block text-xs text-muted-foreground">{s.timezone}</span>
                </TableCell>
                <TableCell data-testid="next-send">{when(s.nextRunAt, s.timezone)}</TableCell>
                <TableCell>{when(s.lastSentAt, s.timezone)}</TableCell>
                <TableCell>
                  <Switch
                    checked={s.enabled}
                    disabled={!canEdit || toggle.isPending}
                    aria-label={`Send ${s.name}`}
                    onCheckedChange={(enabled) => toggle.mutate({ id: s.id, enabled })}
                  />
                </TableCell>
                {canEdit ? (
                  <TableCell className="text-right">
                    <Button variant="ghost" size="sm" onClick={() => edit(s)} aria-label={`Edit ${s.name}`}>
                      <PencilIcon />
                    </Button>
                    <AlertDialog>
                      <AlertDialogTrigger asChild>
                        <Button variant="ghost" size="sm" aria-label={`Delete ${s.name}`}>
                          <Trash2Icon />
                        </Button>
                      </AlertDialogTrigger>
                      <AlertDialogContent>
                        <AlertDialogHeader>
                          <AlertDialogTitle>Delete “{s.name}”?</AlertDialogTitle>
                          <AlertDialogDescription>
                            Its recipients stop getting the report. This cannot be undone.
                          </AlertDialogDescription>
                        </AlertDialogHeader>
                        <AlertDialogFooter>
                          <AlertDialogCancel>Cancel</AlertDialogCancel>
                          <AlertDialogAction onClick={() => remove.mutate({ id: s.id })}>Delete</AlertDialogAction>
                        </AlertDialogFooter>
                      </AlertDialogContent>
                    </AlertDialog>
                  </TableCell>
                ) : null}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {form ? (
        <ScheduleDialog
          form={form}
          setForm={setForm}
          topics={topics}
          onSaved={() => {
            setForm(null);
            void refresh();
          }}
        />
      ) : null}
    </div>
  );
}

function ScheduleDialog({
  form,
  setForm,
  topics,
  onSaved,
}: {
  form: Form;
  setForm: (f: Form | null) => void;
  topics: { key: string; name: string }[];
  onSaved: () => void;
}) {
  const trpc = useTRPC();
  const members = useQuery(trpc.members.list.queryOptions());
  const campaigns = useQuery({ ...trpc.campaigns.list.queryOptions({}), enabled: form.kind === "campaign" });
  const preview = useQuery({
    ...trpc.reports.previewSchedule.queryOptions({ rrule: form.rrule || "-", timezone: form.timezone || "-" }),
    enabled: form.rrule.trim().length > 0 && form.timezone.trim().length > 0,
    retry: false,
  });
  const [problem, setProblem] = React.useState<string | null>(null);
  const onError = (e: unknown) => setProblem(errorMessage(e));
  const create = useMutation(trpc.reports.createSchedule.mutationOptions({ onSuccess: onSaved, onError }));
  const update = useMutation(trpc.reports.updateSchedule.mutationOptions({ onSuccess: onSaved, onError }));
  const set = (patch: Partial<Form>) => setForm({ ...form, ...patch });

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    setProblem(null);
    const values = {
      name: form.name,
      kind: form.kind,
      campaignId: form.kind === "campaign" ? form.campaignId || null : null,
      filters: {
        range: form.range,
        topic: form.topic === ALL ? null : form.topic,
        channel: form.channel === ALL ? null : (form.channel as "email" | "sms"),
      },
      rrule: form.rrule,
      timezone: form.timezone,
      recipientUserIds: form.recipients,
    };
    if (form.id) update.mutate({ id: form.id, ...values });
    else create.mutate(values);
  };

  return (
    <Dialog open onOpenChange={(open) => (open ? null : setForm(null))}>
      <DialogContent className="max-h-[90vh] overflow-y-auto sm:max-w-lg">
        <DialogHeader>
          <DialogTitle>{form.id ? "Edit scheduled report" : "New scheduled report"}</DialogTitle>
          <DialogDescription>The report is emailed as a PDF to the members you choose.</DialogDescription>
        </DialogHeader>
        <form id="schedule-form" className="grid gap-4" onSubmit={submit}>
          <div className="grid gap-1.5">
            <Label htmlFor="report-name">Name</Label>
            <Input id="report-name" value={form.name} onChange={(e) => set({ name: e.target.value })} required />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="report-kind">Report</Label>
            <Select value={form.kind} onValueChange={(v) => set({ kind: v as Form["kind"] })}>
              <SelectTrigger id="report-kind">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                <SelectItem value="dashboard">Analytics dashboard</SelectItem>
                <SelectItem value="campaign">A campaign&apos;s report</SelectItem>
              </SelectContent>
            </Select>
          </div>
          {form.kind === "campaign" ? (
            <div className="grid gap-1.5">
              <Label htmlFor="report-campaign">Campaign</Label>
              <Select value={form.campaignId} onValueChange={(v) => set({ campaignId: v })}>
                <SelectTrigger id="report-campaign">
                  <SelectValue placeholder={campaigns.isPending ? "Loading…" : "Choose a campaign"} />
                </SelectTrigger>
                <SelectContent>
                  {(campaigns.data?.items ?? []).map((c) => (
                    <SelectItem key={c.id} value={c.id}>
                      {c.name}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </div>
          ) : (
            <div className="grid gap-4 sm:grid-cols-3">
              <div className="grid min-w-0 gap-1.5">
                <Label htmlFor="report-range">Range</Label>
                <Select value={form.range} onValueChange={(v) => set({ range: v as ScheduledReportRange })}>
                  <SelectTrigger id="report-range" className="w-full min-w-0">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    {Object.entries(RANGE_LABELS).map(([value, label]) => (
                      <SelectItem key={value} value={value}>
                        {label}
                      </SelectItem>
                    ))}
                  </SelectContent>
                </Select>
              </div>
              <OptionalSelect
                id="report-topic"
                label="Topic"
                value={form.topic === ALL ? null : form.topic}
                onChange={(v) => set({ topic: v ?? ALL })}
                anyLabel="All topics"
                options={topics.map((t) => ({ value: t.key, label: t.name }))}
                triggerClassName="w-full min-w-0"
              />
              <OptionalSelect
                id="report-channel"
                label="Channel"
                value={form.channel === ALL ? null : form.channel}
                onChange={(v) => set({ channel: v ?? ALL })}
                anyLabel="Both channels"
                options={CHANNEL_OPTIONS}
                triggerClassName="w-full min-w-0"
              />
            </div>
          )}
          <div className="grid gap-1.5">
            <Label htmlFor="report-schedule">Schedule</Label>
            <Select
              value={form.preset}
              onValueChange={(v) => {
                const preset = PRESETS.find((p) => p.id === v)!;
                set({ preset: v, rrule: preset.id === "custom" ? form.rrule : preset.rrule });
              }}
            >
              <SelectTrigger id="report-schedule">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {PRESETS.map((p) => (
                  <SelectItem key={p.id} value={p.id}>
                    {p.label}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
          {form.preset === "custom" ? (
            <div className="grid gap-1.5">
              <Label htmlFor="report-rrule">Recurrence rule (RFC 5545)</Label>
              <Input
                id="report-rrule"
                value={form.rrule}
                placeholder="FREQ=WEEKLY;BYDAY=FR;BYHOUR=17;BYMINUTE=0"
                onChange={(e) => set({ rrule: e.target.value })}
              />
            </div>
          ) : null}
          <div className="grid gap-1.5">
            <Label htmlFor="report-zone">Time zone</Label>
            <Input id="report-zone" value={form.timezone} onChange={(e) => set({ timezone: e.target.value })} />
          </div>
          <div aria-live="polite" className="text-sm text-muted-foreground" data-testid="schedule-preview">
            {preview.isError
              ? errorMessage(preview.error)
              : preview.data
                ? `Next sends: ${preview.data.occurrences.map((o) => when(o, form.timezone)).join(", ") || "none"}`
                : null}
          </div>
          <fieldset className="grid gap-2">
            <legend className="mb-1 text-sm font-medium">Recipients</legend>
            {members.isPending ? (
              <LoadingRows label="Loading members" />
            ) : (
              (members.data?.members ?? []).map((m) => {
                const id = `recipient-${m.userId}`;
                return (
                  <div key={m.userId} className="flex items-center gap-2">
                    <Checkbox
                      id={id}
                      checked={form.recipients.includes(m.userId)}
                      onCheckedChange={(checked) =>
                        set({
                          recipients: checked
                            ? [...form.recipients, m.userId]
                            : form.recipients.filter((r) => r !== m.userId),
                        })
                      }
                    />
                    <Label htmlFor={id} className="font-normal">
                      {m.name ? `${m.name} (${m.email})` : m.email}
                    </Label>
                  </div>
                );
              })
            )}
          </fieldset>
          {problem ? (
            <p role="alert" className="text-sm text-destructive">
              {problem}
            </p>
          ) : null}
        </form>
        <DialogFooter>
          <Button variant="outline" onClick={() => setForm(null)}>
            Cancel
          </Button>
          <Button type="submit" form="schedule-form" disabled={create.isPending || update.isPending}>
            {form.id ? "Save" : "Create schedule"}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
