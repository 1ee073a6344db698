"use client";

import * as React from "react";
import { GaugeIcon, PlusIcon, Trash2Icon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";

export type CapChannel = "email" | "sms" | "any";

/** One row of the editor; numbers stay text while typed so a half-typed value can be shown and validated. */
export interface CapDraft {
  rowId: string;
  channel: CapChannel;
  topicKey: string | null;
  max: string;
  days: string;
}

export interface CapTopic {
  key: string;
  name: string;
  channels: ("email" | "sms")[];
  kind: "marketing" | "transactional";
}

const ALL_TOPICS = "__all__";
const CHANNEL_LABELS: Record<CapChannel, string> = { sms: "SMS", email: "Email", any: "Any channel" };

interface Props {
  caps: CapDraft[];
  topics: CapTopic[];
  errors: Record<string, string>;
  disabled: boolean;
  maxCaps: number;
  /** Receives an updater, so quick successive edits never overwrite each other with a stale list. */
  onChange: (update: (caps: CapDraft[]) => CapDraft[]) => void;
  newRowId: () => string;
}

/** Frequency caps: add, edit and remove rows of "at most N marketing messages by channel on topic every D days". */
export function MessagingFrequencyCaps({ caps, topics, errors, disabled, maxCaps, onChange, newRowId }: Props) {
  const update = (rowId: string, patch: Partial<CapDraft>) =>
    onChange((current) => current.map((cap) => (cap.rowId === rowId ? { ...cap, ...patch } : cap)));
  const add = () => {
    const rowId = newRowId();
    onChange((current) => [...current, { rowId, channel: "sms", topicKey: null, max: "4", days: "7" }]);
  };
  const addButton = (
    <Button type="button" variant="outline" size="sm" onClick={add} disabled={disabled || caps.length >= maxCaps}>
      <PlusIcon />
      Add cap
    </Button>
  );

  if (caps.length === 0) {
    return (
      <EmptyState
        icon={GaugeIcon}
        title="No frequency cap"
        description="Only statutory limits apply. Add a cap to limit how many marketing messages one person receives."
        action={disabled ? undefined : addButton}
        className="py-8"
      />
    );
  }

  return (
    <div className="grid gap-3">
      <ul className="grid gap-3" aria-label="Frequency caps">
        {caps.map((cap, index) => {
          const options = topics.filter((topic) => cap.channel === "any" || topic.channels.includes(cap.channel));
          const unknownTopic = cap.topicKey !== null && !options.some((topic) => topic.key === cap.topicKey);
          const rowError = errors[`frequencyCaps.${index}`];
          return (
            <li key={cap.rowId} data-testid="frequency-cap" className="rounded-lg border bg-muted/20 p-3 sm:p-4">
              <div className="grid gap-3 sm:grid-cols-[minmax(0,0.8fr)_minmax(0,1.4fr)_minmax(0,0.7fr)_minmax(0,0.7fr)_auto] sm:items-start">
                <FormField label="Channel">
                  <Select
                    value={cap.channel}
                    onValueChange={(value) => update(cap.rowId, { channel: value as CapChannel })}
                    disabled={disabled}
                  >
                    <SelectTrigger aria-label={`Channel of cap ${index + 1}`}>
                      <SelectValue />
                    </SelectTrigger>
                    <SelectContent>
                      {(Object.keys(CHANNEL_LABELS) as CapChannel[]).map((channel) => (
                        <SelectItem key={channel} value={channel}>
                          {CHANNEL_LABELS[channel]}
                        </SelectItem>
                      ))}
                    </SelectContent>
                  </Select>
                </FormField>
                <FormField label="Topic" error={errors[`frequencyCaps.${index}.topicKey`]}>
                  <Select
                    value={cap.topicKey ?? ALL_TOPICS}
                    onValueChange={(value) => update(cap.rowId, { topicKey: value === ALL_TOPICS ? null : value })}
                    disabled={disabled}
                  >
                    <SelectTrigger aria-label={`Topic of cap ${index + 1}`}>
                      <SelectValue />
                    </SelectTrigger>
                    <SelectContent>
                      <SelectItem value={ALL_TOPICS}>All marketing topics</SelectItem>
                      {options.map((topic) => (
                        <SelectItem key={topic.key} value={topic.key}>
                          {topic.name}
                          {topic.kind === "transactional" ? " (transactional)" : ""}
                        </SelectItem>
                      ))}
                      {unknownTopic ? <SelectItem value={cap.topicKey!}>{cap.topicKey}</SelectItem> : null}
                    </SelectContent>
                  </Select>
                </FormField>
                <FormField label="At most" error={errors[`frequencyCaps.${index}.max`]}>
                  <Input
                    type="number"
                    inputMode="numeric"
                    min={1}
                    max={1000}
                    value={cap.max}
                    onChange={(event) => update(cap.rowId, { max: event.target.value })}
                    disabled={disabled}
                    aria-label={`Most messages of cap ${index + 1}`}
                  />
                </FormField>
                <FormField label="Days" error={errors[`frequencyCaps.${index}.days`]}>
                  <Input
                    type="number"
                    inputMode="numeric"
                    min={1}
                    max={90}
                    value={cap.days}
                    onChange={(event) => update(cap.rowId, { days: event.target.value })}
                    disabled={disabled}
                    aria-label={`Days of cap ${index + 1}`}
                  />
                </FormField>
                {disabled ? null : (
                  <Button
                    type="button"
                    variant="ghost"
                    size="sm"
                    className="justify-self-end text-muted-foreground hover:text-destructive sm:mt-[1.375rem] sm:size-9 sm:px-0"
                    onClick={() => onChange((current) => current.filter((other) => other.rowId !== cap.rowId))}
                    aria-label={`Remove cap ${index + 1}`}
                  >
                    <Trash2Icon />
                    <span className="sm:sr-only">Remove</span>
                  </Button>
                )}
              </div>
              <p className="mt-2 text-xs text-muted-foreground">{describeCap(cap, topics)}</p>
              {rowError ? (
                <p role="alert" className="mt-1 text-xs font-medium text-destructive">
                  {rowError}
                </p>
              ) : null}
            </li>
          );
        })}
      </ul>
      {disabled ? null : (
        <div className="flex flex-wrap items-center justify-between gap-2">
          {addButton}
          <p className="text-xs text-muted-foreground">
            {caps.length} of {maxCaps} caps
          </p>
        </div>
      )}
    </div>
  );
}

function describeCap(cap: CapDraft, topics: CapTopic[]): string {
  const max = Number(cap.max);
  const days = Number(cap.days);
  if (!Number.isInteger(max) || !Number.isInteger(days) || max < 1 || days < 1)
    return "Enter whole numbers of messages and days.";
  const topic = cap.topicKey
    ? `“${topics.find((t) => t.key === cap.topicKey)?.name ?? cap.topicKey}”`
    : "all marketing topics together";
  const channel = cap.channel === "any" ? "on any channel" : `by ${CHANNEL_LABELS[cap.channel]}`;
  return `At most ${max} marketing ${max === 1 ? "message" : "messages"} ${channel} on ${topic} in any ${days === 1 ? "24 hours" : `${days} days`}.`;
}
