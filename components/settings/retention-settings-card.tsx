"use client";

import * as React from "react";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Checkbox } from "@/components/ui/checkbox";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { toast } from "@/components/ui/toaster";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { RETENTION_CATEGORIES, type RetentionCategory } from "@/server/shared/enums";
import { RETENTION_RULES, type RetentionSettings } from "@/server/shared/retention-settings";
import { SettingsSaveFooter } from "./settings-save-footer";

/** What the form holds per category: the days as typed, and whether it is kept forever. */
type Draft = Record<RetentionCategory, { days: string; forever: boolean }>;

function toDraft(settings: RetentionSettings): Draft {
  return Object.fromEntries(
    RETENTION_CATEGORIES.map((category) => {
      const days = settings[category];
      return [category, { days: String(days ?? RETENTION_RULES[category].defaultDays), forever: days === null }];
    }),
  ) as Draft;
}

/** The error of one field, or null when it reads as a valid window. */
function fieldError(category: RetentionCategory, value: Draft[RetentionCategory]): string | null {
  if (value.forever) return null;
  const rule = RETENTION_RULES[category];
  if (!/^\d+$/.test(value.days.trim())) return "Enter a whole number of days";
  const days = Number(value.days);
  if (days < rule.minDays) return `At least ${rule.minDays} days`;
  if (days > rule.maxDays) return `At most ${rule.maxDays} days`;
  return null;
}

function fromDraft(draft: Draft): RetentionSettings {
  return Object.fromEntries(
    RETENTION_CATEGORIES.map((category) => [category, draft[category].forever ? null : Number(draft[category].days)]),
  ) as RetentionSettings;
}

function describeDays(days: number): string {
  if (days % 365 === 0) return `${days / 365} year${days === 365 ? "" : "s"}`;
  return `${days} days`;
}

/**
 * Settings → Data retention: how long each kind of data is kept before the nightly purge
 * (03:45 UTC) removes it. Admins and owners change it; the consent ledger and suppressions are
 * never purged.
 */
export function RetentionSettingsCard({ settings, canEdit }: { settings: RetentionSettings; canEdit: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [draft, setDraft] = React.useState(() => toDraft(settings));
  const update = useMutation(
    trpc.retentionSettings.update.mutationOptions({
      onSuccess: (saved) => {
        setDraft(toDraft(saved));
        toast.success("Retention settings saved");
        router.refresh();
      },
      onError: (failure) => toast.error(errorMessage(failure)),
    }),
  );
  const errors = RETENTION_CATEGORIES.map((category) => fieldError(category, draft[category]));
  const isValid = errors.every((error) => error === null);
  const current = isValid ? fromDraft(draft) : null;
  const changed = current === null || RETENTION_CATEGORIES.some((category) => current[category] !== settings[category]);

  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (current) update.mutate(current);
      }}
    >
      <Card data-testid="retention-settings">
        <CardHeader>
          <CardTitle>Data retention</CardTitle>
          <CardDescription>
            How long each kind of data is kept. Every night at 03:45 UTC what is older is removed, in batches (a large
            backlog takes a few nights). The consent ledger and suppressions are never removed.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-6">
          {RETENTION_CATEGORIES.map((category, index) => {
            const rule = RETENTION_RULES[category];
            const value = draft[category];
            const error = errors[index];
            const inputId = `retention-${category}`;
            const helpId = `${inputId}-help`;
            const errorId = `${inputId}-error`;
            return (
              <div key={category} className="grid gap-2 sm:grid-cols-[minmax(0,1fr)_auto] sm:items-start sm:gap-6">
                <div className="grid gap-1">
                  <Label htmlFor={inputId}>{rule.label}</Label>
                  <p id={helpId} className="text-xs text-muted-foreground">
                    {rule.description} Default {describeDays(rule.defaultDays)}, minimum {rule.minDays}{" "}
                    {rule.minDays === 1 ? "day" : "days"}.
                  </p>
                </div>
                <div className="grid gap-2">
                  <div className="flex items-center gap-2">
                    <Input
                      id={inputId}
                      inputMode="numeric"
                      className="w-28"
                      value={value.forever ? "" : value.days}
                      placeholder={value.forever ? "Forever" : undefined}
                      disabled={!canEdit || value.forever}
                      aria-invalid={error ? true : undefined}
                      aria-describedby={error ? `${helpId} ${errorId}` : helpId}
                      onChange={(e) =>
                        setDraft((d) => ({ ...d, [category]: { ...d[category], days: e.target.value } }))
                      }
                    />
                    <span className="text-sm text-muted-foreground">days</span>
                  </div>
                  {rule.forever ? (
                    <div className="flex items-center gap-2">
                      <Checkbox
                        id={`${inputId}-forever`}
                        checked={value.forever}
                        disabled={!canEdit}
                        onCheckedChange={(on) =>
                          setDraft((d) => ({ ...d, [category]: { ...d[category], forever: on === true } }))
                        }
                      />
                      <Label htmlFor={`${inputId}-forever`} className="text-sm font-normal">
                        Keep forever
                        <span className="sr-only"> ({rule.label})</span>
                      </Label>
                    </div>
                  ) : null}
                  {error ? (
                    <p id={errorId} className="text-xs text-destructive">
                      {error}
                    </p>
                  ) : null}
                </div>
              </div>
            );
          })}
        </CardContent>
        <SettingsSaveFooter
          canEdit={canEdit}
          dirty={changed}
          pending={update.isPending}
          saveLabel="Save retention"
          invalid={!isValid}
          readOnlyText="Only admins and owners can change data retention."
        />
      </Card>
    </form>
  );
}
