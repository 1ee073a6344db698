"use client";

import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { AlertCircleIcon, AlertTriangleIcon, InfoIcon } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { Switch } from "@/components/ui/switch";
import { toast } from "@/components/ui/toaster";
import { formErrorsFrom } from "@/components/ui/form-errors";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import type { AppRouter } from "@/server/api/root";
import { fieldErrorsOf } from "@/server/shared/error-messages";
import {
  MAX_FREQUENCY_CAPS,
  MAX_SENDING_WINDOWS,
  ZMessagingSettings,
  type MessagingSettings,
} from "@/server/shared/messaging-settings";
import { MessagingFrequencyCaps, type CapDraft, type CapTopic } from "./messaging-frequency-caps";
import { MessagingSendingLimits, type LimitsDraft } from "./messaging-sending-limits";
import { clockIn, stateRuleLines, timeZoneOptions } from "./messaging-rules";
import { SettingsSaveFooter } from "./settings-save-footer";

interface Draft {
  enabled: boolean;
  start: string;
  end: string;
  stateRules: boolean;
  timezone: string;
  caps: CapDraft[];
  limits: LimitsDraft;
}

let rowCounter = 0;
const newRowId = () => `row-${++rowCounter}`;

function toDraft(settings: MessagingSettings): Draft {
  return {
    ...settings.quietHours,
    timezone: settings.timezone,
    caps: settings.frequencyCaps.map((cap) => ({
      rowId: newRowId(),
      channel: cap.channel,
      topicKey: cap.topicKey,
      max: String(cap.max),
      days: String(cap.days),
    })),
    limits: {
      email: settings.sendingLimits.email.map((w) => ({ rowId: newRowId(), seconds: w.seconds, max: String(w.max) })),
      sms: settings.sendingLimits.sms.map((w) => ({ rowId: newRowId(), seconds: w.seconds, max: String(w.max) })),
    },
  };
}

/** Text fields become numbers; an empty field becomes NaN so the schema says "Enter a number". */
function toInput(draft: Draft) {
  const number = (value: string) => (value.trim() === "" ? Number.NaN : Number(value));
  return {
    quietHours: { enabled: draft.enabled, start: draft.start, end: draft.end, stateRules: draft.stateRules },
    frequencyCaps: draft.caps.map((cap) => ({
      channel: cap.channel,
      topicKey: cap.topicKey,
      max: number(cap.max),
      days: number(cap.days),
    })),
    sendingLimits: {
      email: draft.limits.email.map((row) => ({ seconds: row.seconds, max: number(row.max) })),
      sms: draft.limits.sms.map((row) => ({ seconds: row.seconds, max: number(row.max) })),
    },
    timezone: draft.timezone,
  };
}

type TopicsList = inferRouterOutputs<AppRouter>["topics"]["list"];

/**
 * Settings → Messaging: the policy and the topics (prefetched by the page when it can), then the
 * form; viewers see it read-only.
 */
export function MessagingSettingsManager({
  canEdit,
  initialSettings,
  initialTopics,
}: {
  canEdit: boolean;
  initialSettings?: MessagingSettings;
  initialTopics?: TopicsList;
}) {
  const trpc = useTRPC();
  const settings = useQuery(trpc.messagingSettings.get.queryOptions(undefined, { initialData: initialSettings }));
  const topics = useQuery(trpc.topics.list.queryOptions(undefined, { initialData: initialTopics }));

  if (settings.isPending) return <MessagingSettingsSkeleton />;
  if (settings.isError) {
    return (
      <Alert variant="destructive">
        <AlertCircleIcon />
        <AlertTitle>Could not load the messaging settings</AlertTitle>
        <AlertDescription className="flex flex-wrap items-center gap-3">
          {errorMessage(settings.error)}
          <Button size="sm" variant="outline" onClick={() => void settings.refetch()}>
            Try again
          </Button>
        </AlertDescription>
      </Alert>
    );
  }
  const topicList: CapTopic[] = (topics.data?.items ?? []).map((t) => ({
    key: t.key,
    name: t.name,
    channels: t.channels,
    kind: t.kind,
  }));
  return (
    <MessagingSettingsForm
      key={settings.dataUpdatedAt}
      initial={settings.data}
      topics={topicList}
      topicsFailed={topics.isError}
      canEdit={canEdit}
    />
  );
}

function MessagingSettingsForm({
  initial,
  topics,
  topicsFailed,
  canEdit,
}: {
  initial: MessagingSettings;
  topics: CapTopic[];
  topicsFailed: boolean;
  canEdit: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [draft, setDraft] = React.useState<Draft>(() => toDraft(initial));
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  // The clock and the browser's zone list are read after hydration: the server's would differ.
  const [now, setNow] = React.useState<Date | null>(null);
  const [browserZones, setBrowserZones] = React.useState<string[] | null>(null);
  React.useEffect(() => {
    const first = setTimeout(() => {
      setNow(new Date());
      setBrowserZones(timeZoneOptions(""));
    }, 0);
    const timer = setInterval(() => setNow(new Date()), 30_000);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }, []);

  const save = useMutation(
    trpc.messagingSettings.update.mutationOptions({
      onSuccess: (saved) => {
        setErrors({});
        toast.success("Messaging settings saved");
        queryClient.setQueryData(trpc.messagingSettings.get.queryKey(), saved);
      },
      onError: (error) => {
        const { fieldErrors, formError } = formErrorsFrom(error);
        setErrors(fieldErrors);
        toast.error(formError);
      },
    }),
  );

  const input = toInput(draft);
  const dirty = JSON.stringify(input) !== JSON.stringify(toInput(toDraft(initial)));
  const disabled = !canEdit || save.isPending;
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((current) => ({ ...current, [key]: value }));
  const zones = React.useMemo(
    () =>
      browserZones
        ? browserZones.includes(draft.timezone)
          ? browserZones
          : [draft.timezone, ...browserZones]
        : [draft.timezone],
    [browserZones, draft.timezone],
  );
  const outsideFederal = draft.enabled && !draft.stateRules && (draft.start < "08:00" || draft.end > "21:00");
  const localClock = now ? clockIn(draft.timezone, now) : null;

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const parsed = ZMessagingSettings.safeParse(input);
    if (!parsed.success) {
      // Shown next to their fields; the footer says to fix them (no toast for a check made here).
      setErrors(fieldErrorsOf(parsed.error.issues));
      return;
    }
    setErrors({});
    save.mutate(parsed.data);
  };

  return (
    <form onSubmit={submit} noValidate className="grid gap-6" aria-label="Messaging settings">
      {!canEdit ? (
        <Alert>
          <InfoIcon />
          <AlertDescription>Only admins and owners can change messaging settings.</AlertDescription>
        </Alert>
      ) : null}

      <Card>
        <CardHeader>
          <CardTitle>Quiet hours</CardTitle>
          <CardDescription>
            Marketing texts go out only inside this window, in the recipient&apos;s local time. A marketing text outside
            it waits for the next window; email and transactional messages are not held.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-6">
          <div className="flex items-start gap-3">
            <Switch
              id="quiet-hours-enabled"
              checked={draft.enabled}
              onCheckedChange={(on) => set("enabled", on)}
              disabled={disabled}
            />
            <div className="grid gap-1">
              <Label htmlFor="quiet-hours-enabled">Hold marketing texts outside the window</Label>
              <p className="text-xs text-muted-foreground">When off, only the statutory rules below limit the hours.</p>
            </div>
          </div>
          <div className="grid max-w-md grid-cols-2 gap-4">
            <FormField label="Start" error={errors["quietHours.start"]} description="First minute allowed">
              <Input
                type="time"
                value={draft.start}
                onChange={(e) => set("start", e.target.value)}
                disabled={disabled || !draft.enabled}
                required
              />
            </FormField>
            <FormField label="End" error={errors["quietHours.end"]} description="Sending stops at this time">
              <Input
                type="time"
                value={draft.end}
                onChange={(e) => set("end", e.target.value)}
                disabled={disabled || !draft.enabled}
                required
              />
            </FormField>
          </div>
          {outsideFederal ? (
            <Alert className="max-w-2xl">
              <AlertTriangleIcon />
              <AlertTitle>Wider than the federal window</AlertTitle>
              <AlertDescription>
                The TCPA allows marketing texts to US numbers only between 08:00 and 21:00 local time. Turn statutory
                rules on to keep US recipients inside it.
              </AlertDescription>
            </Alert>
          ) : null}
          <div className="flex items-start gap-3 border-t pt-6">
            <Switch
              id="quiet-hours-state-rules"
              checked={draft.stateRules}
              onCheckedChange={(on) => set("stateRules", on)}
              disabled={disabled}
            />
            <div className="grid min-w-0 gap-1">
              <Label htmlFor="quiet-hours-state-rules">Apply statutory rules</Label>
              <p className="text-xs text-muted-foreground">
                US numbers keep to the federal 08:00–21:00 window and to stricter state rules, chosen by the
                number&apos;s area code. The stricter of your window and the state&apos;s always wins.
              </p>
              <details className="group mt-1 text-xs">
                <summary className="w-fit cursor-pointer font-medium text-foreground underline-offset-4 hover:underline">
                  State rules that apply
                </summary>
                <ul className="mt-2 grid gap-1 text-muted-foreground sm:grid-cols-2">
                  {stateRuleLines().map((rule) => (
                    <li key={rule.region}>
                      <span className="font-medium text-foreground">{rule.label}:</span> {rule.text}
                    </li>
                  ))}
                </ul>
              </details>
            </div>
          </div>
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Time zone</CardTitle>
          <CardDescription>
            A recipient&apos;s local time comes from their contact record, else from their phone number (area code or
            country), else from this zone.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <FormField
            id="workspace-timezone"
            label="Workspace time zone"
            error={errors.timezone}
            description={localClock ? `It is ${localClock} there now.` : undefined}
            className="max-w-md"
          >
            <Select value={draft.timezone} onValueChange={(value) => set("timezone", value)} disabled={disabled}>
              {/* The label points at the trigger (FormField's id lands on the Select root, which renders no element). */}
              <SelectTrigger id="workspace-timezone" aria-invalid={errors.timezone ? true : undefined}>
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
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Frequency caps</CardTitle>
          <CardDescription>
            Limit how many marketing messages one person receives. A message over a cap is blocked, not postponed;
            transactional messages are never capped.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-3">
          {topicsFailed ? (
            <p className="text-xs text-destructive">
              Topics could not be loaded; caps can still count all topics together.
            </p>
          ) : null}
          <MessagingFrequencyCaps
            caps={draft.caps}
            topics={topics}
            errors={errors}
            disabled={disabled}
            maxCaps={MAX_FREQUENCY_CAPS}
            onChange={(update) => setDraft((current) => ({ ...current, caps: update(current.caps) }))}
            newRowId={newRowId}
          />
          {errors.frequencyCaps ? (
            <p role="alert" className="text-xs font-medium text-destructive">
              {errors.frequencyCaps}
            </p>
          ) : null}
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Sending limits</CardTitle>
          <CardDescription>
            How fast messages leave each sender (your sending address or number), to stay within what your provider
            allows. Several limits apply together; a message over one waits for the next window instead of being
            refused. Every message counts: campaigns, API sends, retries and fallbacks alike.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <MessagingSendingLimits
            limits={draft.limits}
            errors={errors}
            disabled={disabled}
            maxPerChannel={MAX_SENDING_WINDOWS}
            onChange={(update) => setDraft((current) => ({ ...current, limits: update(current.limits) }))}
            newRowId={newRowId}
          />
        </CardContent>
        <SettingsSaveFooter
          canEdit={canEdit}
          dirty={dirty}
          pending={save.isPending}
          saveLabel="Save changes"
          invalid={Object.keys(errors).length > 0}
          onDiscard={() => {
            setDraft(toDraft(initial));
            setErrors({});
          }}
        />
      </Card>
    </form>
  );
}

function MessagingSettingsSkeleton() {
  return (
    <div className="grid gap-6" role="status" aria-busy="true" aria-label="Loading messaging settings">
      {[0, 1, 2, 3].map((card) => (
        <div key={card} className="grid gap-4 rounded-xl border p-6">
          <Skeleton className="h-5 w-40" />
          <Skeleton className="h-4 w-full max-w-lg" />
          <Skeleton className="h-9 w-full max-w-md" />
        </div>
      ))}
    </div>
  );
}
