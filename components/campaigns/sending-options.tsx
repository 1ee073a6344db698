"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { SaveIcon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader } from "@/components/ui/card";
import { Checkbox } from "@/components/ui/checkbox";
import { FormField } from "@/components/ui/form-field";
import { fieldError, formErrorsFrom } from "@/components/ui/form-errors";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Spinner } from "@/components/ui/spinner";
import { Switch } from "@/components/ui/switch";
import { toast } from "@/components/ui/toaster";
import { useTRPC } from "@/components/providers/trpc-provider";
import type { TCampaign } from "@/server/services/campaigns";
import { CardHeading } from "./card-heading";
import { optionsDraftFrom, optionsFromDraft, WINDOW_DAYS, type OptionsDraft } from "./schedule-draft";

/**
 * How a campaign sends: what errors do, pacing, a sending window, the drift that pauses a run for
 * review, and (admins) ignoring frequency caps for legal notices. Saved with
 * `campaigns.updateOptions`; a running run reads them at its next chunk.
 */
export function SendingOptionsCard({ campaign, isAdmin }: { campaign: TCampaign; isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const fieldId = React.useId();
  const id = (name: string) => `${fieldId}-${name}`;
  const [draft, setDraft] = React.useState<OptionsDraft>(() => optionsDraftFrom(campaign.options));
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const set = <K extends keyof OptionsDraft>(key: K, value: OptionsDraft[K]) =>
    setDraft((d) => ({ ...d, [key]: value }));

  const save = useMutation(
    trpc.campaigns.updateOptions.mutationOptions({
      onSuccess: (updated) => {
        setErrors({});
        setDraft(optionsDraftFrom(updated.options));
        void queryClient.invalidateQueries({ queryKey: trpc.campaigns.pathKey() });
        toast.success("Sending options saved");
      },
      onError: (error) => {
        const { fieldErrors, formError } = formErrorsFrom(error);
        setErrors(fieldErrors);
        toast.error(formError);
      },
    }),
  );

  function submit() {
    const checked = optionsFromDraft(draft);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    // Options edited elsewhere (UTM parameters) are sent back unchanged.
    save.mutate({
      id: campaign.id,
      options: { ...(campaign.options.utm ? { utm: campaign.options.utm } : {}), ...checked.value },
    });
  }

  const daysError = fieldError(errors, "options.sendingWindow.days");
  return (
    <Card>
      <CardHeader>
        <CardHeading>Sending options</CardHeading>
        <CardDescription>They apply to every run of this campaign and can change until it ends.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-6">
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          <FormField id={id("policy")} label="When messages fail">
            <Select
              value={draft.errorPolicy}
              onValueChange={(value) => set("errorPolicy", value as OptionsDraft["errorPolicy"])}
            >
              <SelectTrigger id={id("policy")} className="w-full">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                <SelectItem value="pause">Pause after too many errors</SelectItem>
                <SelectItem value="skip">Skip them and keep sending</SelectItem>
              </SelectContent>
            </Select>
          </FormField>
          {draft.errorPolicy === "pause" ? (
            <FormField
              label="Errors before pausing"
              error={fieldError(errors, "options.maxErrors")}
              description="Empty: 100, or 5% of the first 1,000 sent"
            >
              <Input
                type="number"
                min={1}
                inputMode="numeric"
                value={draft.maxErrors}
                onChange={(e) => set("maxErrors", e.target.value)}
              />
            </FormField>
          ) : null}
          <FormField
            label="Spread each run over (hours)"
            error={fieldError(errors, "options.pacingHours")}
            description="Empty: as fast as the sending limits allow"
          >
            <Input
              type="number"
              min={0.1}
              max={72}
              step={0.5}
              inputMode="decimal"
              value={draft.pacingHours}
              onChange={(e) => set("pacingHours", e.target.value)}
            />
          </FormField>
          <FormField
            label="Drift tolerance (%)"
            error={fieldError(errors, "options.driftTolerance")}
            description="Pause for review when the audience moved more than this since the dry run"
          >
            <Input
              type="number"
              min={0}
              max={100}
              inputMode="decimal"
              value={draft.driftPercent}
              onChange={(e) => set("driftPercent", e.target.value)}
            />
          </FormField>
        </div>

        <div className="grid gap-4 border-t pt-6">
          <div className="flex items-start gap-3">
            <Switch id={id("window")} checked={draft.windowOn} onCheckedChange={(on) => set("windowOn", on)} />
            <div className="grid gap-1">
              <Label htmlFor={id("window")}>Send only inside a window</Label>
              <p className="text-xs text-muted-foreground">
                Days and hours in the workspace&apos;s time zone; outside them the run waits.
              </p>
            </div>
          </div>
          {draft.windowOn ? (
            <div className="grid gap-4">
              <fieldset className="grid gap-2" aria-describedby={daysError ? id("days-error") : undefined}>
                <legend className="mb-1 text-sm font-medium">Days</legend>
                <div className="flex flex-wrap gap-x-4 gap-y-2">
                  {WINDOW_DAYS.map(([day, name]) => (
                    <div key={day} className="flex items-center gap-2">
                      <Checkbox
                        id={id(`day-${day}`)}
                        checked={draft.windowDays.includes(day)}
                        onCheckedChange={(on) =>
                          set("windowDays", on ? [...draft.windowDays, day] : draft.windowDays.filter((d) => d !== day))
                        }
                      />
                      <Label htmlFor={id(`day-${day}`)} className="font-normal">
                        {name}
                      </Label>
                    </div>
                  ))}
                </div>
                {daysError ? (
                  <p id={id("days-error")} role="alert" className="text-xs font-medium text-destructive">
                    {daysError}
                  </p>
                ) : null}
              </fieldset>
              <div className="grid max-w-md grid-cols-2 gap-4">
                <FormField label="Opens at" error={fieldError(errors, "options.sendingWindow.start")}>
                  <Input type="time" value={draft.windowStart} onChange={(e) => set("windowStart", e.target.value)} />
                </FormField>
                <FormField label="Closes at" error={fieldError(errors, "options.sendingWindow.end")}>
                  <Input type="time" value={draft.windowEnd} onChange={(e) => set("windowEnd", e.target.value)} />
                </FormField>
              </div>
            </div>
          ) : null}
        </div>

        {isAdmin || draft.ignoreFrequencyCaps ? (
          <div className="flex items-start gap-3 border-t pt-6">
            <Checkbox
              id={id("caps")}
              checked={draft.ignoreFrequencyCaps}
              disabled={!isAdmin}
              onCheckedChange={(on) => set("ignoreFrequencyCaps", on === true)}
              aria-describedby={id("caps-hint")}
            />
            <div className="grid gap-1">
              <Label htmlFor={id("caps")}>Ignore frequency caps (legal notices)</Label>
              <p id={id("caps-hint")} className="text-xs text-muted-foreground">
                Only for messages people must receive, such as a change to the terms. These messages neither count
                towards nor are stopped by the caps.{isAdmin ? "" : " Only an admin can change this."}
              </p>
              {fieldError(errors, "options.ignoreFrequencyCaps") ? (
                <p role="alert" className="text-xs font-medium text-destructive">
                  {fieldError(errors, "options.ignoreFrequencyCaps")}
                </p>
              ) : null}
            </div>
          </div>
        ) : null}

        <div>
          <Button type="button" variant="outline" disabled={save.isPending} onClick={submit}>
            {save.isPending ? <Spinner /> : <SaveIcon />}
            Save options
          </Button>
        </div>
      </CardContent>
    </Card>
  );
}
