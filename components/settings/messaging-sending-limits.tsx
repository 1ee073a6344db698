"use client";

import * as React from "react";
import { PlusIcon, Trash2Icon } from "lucide-react";
import { CHANNEL_META, type Channel } from "@/components/contacts/labels";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { MAX_SENDING_LIMIT, SENDING_PERIODS } from "@/server/shared/messaging-settings";

/** One row of the editor; the number stays text while typed so a half-typed value can be shown and validated. */
export interface LimitDraft {
  rowId: string;
  seconds: number;
  max: string;
}

export type LimitsDraft = Record<Channel, LimitDraft[]>;

const CHANNELS: Channel[] = ["email", "sms"];
const NOUNS: Record<Channel, [string, string]> = { email: ["email", "emails"], sms: ["text", "texts"] };

interface Props {
  limits: LimitsDraft;
  errors: Record<string, string>;
  disabled: boolean;
  maxPerChannel: number;
  /** Receives an updater, so quick successive edits never overwrite each other with a stale list. */
  onChange: (update: (limits: LimitsDraft) => LimitsDraft) => void;
  newRowId: () => string;
}

function periodLabel(seconds: number): string {
  return SENDING_PERIODS.find((p) => p.seconds === seconds)?.unit ?? `${seconds} seconds`;
}

/**
 * Sending limits per channel: rows of "at most N messages per second / minute / hour / day", added
 * and removed like frequency caps. They hold messages back (they wait for the next window), never
 * block them.
 */
export function MessagingSendingLimits({ limits, errors, disabled, maxPerChannel, onChange, newRowId }: Props) {
  return (
    <div className="grid gap-6 sm:grid-cols-2">
      {CHANNELS.map((channel) => (
        <ChannelLimits
          key={channel}
          channel={channel}
          rows={limits[channel]}
          errors={errors}
          disabled={disabled}
          maxPerChannel={maxPerChannel}
          onChange={(update) => onChange((current) => ({ ...current, [channel]: update(current[channel]) }))}
          newRowId={newRowId}
        />
      ))}
    </div>
  );
}

function ChannelLimits({
  channel,
  rows,
  errors,
  disabled,
  maxPerChannel,
  onChange,
  newRowId,
}: {
  channel: Channel;
  rows: LimitDraft[];
  errors: Record<string, string>;
  disabled: boolean;
  maxPerChannel: number;
  onChange: (update: (rows: LimitDraft[]) => LimitDraft[]) => void;
  newRowId: () => string;
}) {
  const { label, icon: Icon } = CHANNEL_META[channel];
  const name = label === "SMS" ? "SMS" : label.toLowerCase();
  const update = (rowId: string, patch: Partial<LimitDraft>) =>
    onChange((current) => current.map((row) => (row.rowId === rowId ? { ...row, ...patch } : row)));
  const add = () => {
    const rowId = newRowId();
    onChange((current) => {
      // Offer the shortest period not used yet (a channel counts each period once).
      const free = SENDING_PERIODS.find((p) => !current.some((row) => row.seconds === p.seconds));
      return [...current, { rowId, seconds: free?.seconds ?? 60, max: channel === "sms" ? "1" : "10" }];
    });
  };
  const listError = errors[`sendingLimits.${channel}`];

  return (
    <section className="grid content-start gap-3" aria-labelledby={`sending-limits-${channel}`}>
      <h3 id={`sending-limits-${channel}`} className="flex items-center gap-2 text-sm font-medium">
        <Icon aria-hidden="true" className="size-4 text-muted-foreground" />
        {label}
      </h3>
      {rows.length === 0 ? (
        <p className="text-xs text-muted-foreground">
          No limit: {NOUNS[channel][1]} go out as fast as the provider takes them.
        </p>
      ) : (
        <ul className="grid gap-3" aria-label={`${label} sending limits`}>
          {rows.map((row, index) => {
            const n = index + 1;
            const max = Number(row.max);
            const valid = row.max.trim() !== "" && Number.isInteger(max) && max >= 1;
            return (
              <li
                key={row.rowId}
                data-testid={`sending-limit-${channel}`}
                className="rounded-lg border bg-muted/20 p-3"
              >
                <div className="grid grid-cols-[minmax(0,1fr)_minmax(0,1fr)_auto] items-start gap-3">
                  <FormField label="At most" error={errors[`sendingLimits.${channel}.${index}.max`]}>
                    <Input
                      type="number"
                      inputMode="numeric"
                      min={1}
                      max={MAX_SENDING_LIMIT}
                      value={row.max}
                      onChange={(event) => update(row.rowId, { max: event.target.value })}
                      disabled={disabled}
                      aria-label={`Most ${NOUNS[channel][1]} of ${name} limit ${n}`}
                    />
                  </FormField>
                  <FormField label="Per" error={errors[`sendingLimits.${channel}.${index}.seconds`]}>
                    <Select
                      value={String(row.seconds)}
                      onValueChange={(value) => update(row.rowId, { seconds: Number(value) })}
                      disabled={disabled}
                    >
                      <SelectTrigger aria-label={`Period of ${name} limit ${n}`}>
                        <SelectValue />
                      </SelectTrigger>
                      <SelectContent>
                        {SENDING_PERIODS.map((period) => (
                          <SelectItem key={period.seconds} value={String(period.seconds)}>
                            {period.unit}
                          </SelectItem>
                        ))}
                        {SENDING_PERIODS.some((p) => p.seconds === row.seconds) ? null : (
                          <SelectItem value={String(row.seconds)}>{periodLabel(row.seconds)}</SelectItem>
                        )}
                      </SelectContent>
                    </Select>
                  </FormField>
                  {disabled ? null : (
                    <Button
                      type="button"
                      variant="ghost"
                      size="icon"
                      className="mt-[1.375rem] text-muted-foreground hover:text-destructive"
                      onClick={() => onChange((current) => current.filter((other) => other.rowId !== row.rowId))}
                      aria-label={`Remove ${name} limit ${n}`}
                    >
                      <Trash2Icon />
                    </Button>
                  )}
                </div>
                <p className="mt-2 text-xs text-muted-foreground">
                  {valid
                    ? `At most ${max.toLocaleString("en-US")} ${NOUNS[channel][max === 1 ? 0 : 1]} per ${periodLabel(row.seconds)} from each sender.`
                    : "Enter a whole number of messages."}
                </p>
              </li>
            );
          })}
        </ul>
      )}
      {listError ? (
        <p role="alert" className="text-xs font-medium text-destructive">
          {listError}
        </p>
      ) : null}
      {disabled ? null : (
        <div>
          <Button type="button" variant="outline" size="sm" onClick={add} disabled={rows.length >= maxPerChannel}>
            <PlusIcon />
            Add {name} limit
          </Button>
        </div>
      )}
    </section>
  );
}
