"use client";

import * as React from "react";
import { Trash2Icon, XIcon } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import { cn } from "@/components/ui/cn";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import {
  Select,
  SelectContent,
  SelectGroup,
  SelectItem,
  SelectLabel,
  SelectTrigger,
  SelectValue,
} from "@/components/ui/select";
import type { Channel } from "@/server/shared/enums";
import {
  describeField,
  LAST_MESSAGE_CHANNELS,
  opLabel,
  parseField,
  SEGMENT_CHANNEL_LABELS,
  SEGMENT_CONSENT_VALUES,
  SEGMENT_FIELD_GROUP_LABELS,
  SEGMENT_LIMITS,
  type SegmentFieldGroup,
  type SegmentFieldType,
  type SegmentOp,
  type SegmentValue,
  type SegmentValueKind,
} from "@/server/shared/segment-filter";
import { kindOf, pickerValue, withField, withOp, type DraftCondition } from "./filter-draft";
import { CONSENT_VALUE_LABELS } from "./labels";

/** What the pickers offer: the workspace's topics, attribute keys, tags and other segments. */
export interface BuilderOptions {
  topics: { key: string; name: string; channels: Channel[] }[];
  attributeKeys: string[];
  tags: string[];
  segments: { id: string; name: string }[];
}

/** Ids of the builder's shared suggestion lists (one `<datalist>` each, rendered by the builder). */
export const DATALIST_IDS = { tags: "segment-tag-options", attributes: "segment-attribute-options" };

/** The field picker's entries by group: fields, or a family whose details are picked next to it. */
const PICKER: Record<SegmentFieldGroup, { value: string; label: string }[]> = {
  contact: ["email", "phone", "firstName", "lastName", "locale", "timezone", "country", "tags", "createdAt"].map(
    (field) => ({ value: field, label: describeField(field)!.label }),
  ),
  consent: [{ value: "consent", label: "Consent to a topic" }],
  activity: [
    { value: "lastMessage", label: "Last message" },
    { value: "lastReply", label: describeField("lastReply")!.label },
    { value: "opened", label: describeField("opened")!.label },
    { value: "clicked", label: describeField("clicked")!.label },
    { value: "campaign", label: describeField("campaign")!.label },
  ],
  attributes: [{ value: "attributes", label: "Custom attribute" }],
  segments: [{ value: "segment", label: describeField("segment")!.label }],
};

const PLACEHOLDERS: Record<string, string> = {
  email: "ann@example.com",
  phone: "+1 415 555 0100",
  locale: "en-US",
  timezone: "America/New_York",
  country: "US",
  tags: "vip",
  campaign: "Campaign id",
};

/** Whole decimals without leading zeros read as numbers ("42", "-1.5"); anything else stays text ("007", "pro"). */
function scalarFrom(text: string): string | number {
  return /^-?(0|[1-9]\d{0,14})(\.\d{1,10})?$/.test(text.trim()) ? Number(text.trim()) : text;
}

export function ConditionRow({
  condition,
  index,
  error,
  readOnly,
  options,
  onChange,
  onRemove,
}: {
  condition: DraftCondition;
  index: number;
  error?: string;
  readOnly: boolean;
  options: BuilderOptions;
  onChange: (next: DraftCondition) => void;
  onRemove: () => void;
}) {
  const errorId = React.useId();
  const def = describeField(condition.field);
  const parsed = parseField(condition.field);
  const family = pickerValue(condition.field);
  const kind = kindOf(condition.field, condition.op);

  const pickFamily = (value: string) => {
    if (value === "consent") {
      const topic = options.topics[0];
      if (topic) onChange(withField(condition, `consent.${topic.key}.${topic.channels[0]}`));
      return;
    }
    if (value === "lastMessage") return onChange(withField(condition, "lastMessage.any"));
    if (value === "attributes") return onChange(withField(condition, `attributes.${options.attributeKeys[0] ?? ""}`));
    onChange(withField(condition, value));
  };

  return (
    <div
      role="group"
      aria-label={`Condition ${index + 1}`}
      aria-describedby={error ? errorId : undefined}
      data-testid="segment-condition"
      data-invalid={error ? "" : undefined}
      className={cn(
        "grid gap-2 rounded-lg border bg-background p-2.5",
        error && "border-destructive/60 ring-1 ring-destructive/20",
      )}
    >
      <div className="flex flex-wrap items-start gap-2">
        <Select value={family} onValueChange={pickFamily} disabled={readOnly}>
          <SelectTrigger aria-label="Field" className="w-full sm:w-44" data-testid="condition-field">
            <SelectValue placeholder="Choose a field" />
          </SelectTrigger>
          <SelectContent>
            {(Object.keys(PICKER) as SegmentFieldGroup[]).map((group) => (
              <SelectGroup key={group}>
                <SelectLabel>{SEGMENT_FIELD_GROUP_LABELS[group]}</SelectLabel>
                {PICKER[group].map((item) => (
                  <SelectItem
                    key={item.value}
                    value={item.value}
                    disabled={item.value === "consent" && options.topics.length === 0}
                  >
                    {item.label}
                  </SelectItem>
                ))}
              </SelectGroup>
            ))}
          </SelectContent>
        </Select>

        {parsed?.kind === "consent" ? (
          <ConsentPickers
            topic={parsed.topic}
            channel={parsed.channel}
            topics={options.topics}
            readOnly={readOnly}
            onChange={(topic, channel) => onChange(withField(condition, `consent.${topic}.${channel}`))}
          />
        ) : null}
        {parsed?.kind === "last_message" ? (
          <Select
            value={parsed.channel}
            onValueChange={(channel) => onChange(withField(condition, `lastMessage.${channel}`))}
            disabled={readOnly}
          >
            <SelectTrigger aria-label="Channel" className="w-full sm:w-36">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              {LAST_MESSAGE_CHANNELS.map((channel) => (
                <SelectItem key={channel} value={channel}>
                  {channel === "any" ? "Any channel" : SEGMENT_CHANNEL_LABELS[channel]}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        ) : null}
        {family === "attributes" ? (
          <Input
            aria-label="Attribute name"
            className="w-full font-mono text-sm sm:w-40"
            list={DATALIST_IDS.attributes}
            maxLength={64}
            placeholder="plan"
            value={condition.field.slice("attributes.".length)}
            readOnly={readOnly}
            onChange={(e) => onChange({ ...condition, field: `attributes.${e.target.value}` })}
          />
        ) : null}

        {def ? (
          <Select value={condition.op} onValueChange={(op) => onChange(withOp(condition, op))} disabled={readOnly}>
            <SelectTrigger aria-label="Operator" className="w-full sm:w-48" data-testid="condition-op">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              {def.ops.map((op) => (
                <SelectItem key={op} value={op}>
                  {opLabel(def.type, op)}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        ) : null}

        {def && kind && kind !== "none" ? (
          <div className="min-w-40 flex-1">
            <ValueInput
              kind={kind}
              type={def.type}
              field={condition.field}
              op={condition.op as SegmentOp}
              value={condition.value}
              options={options}
              readOnly={readOnly}
              invalid={Boolean(error)}
              onChange={(value) => onChange({ ...condition, value })}
            />
          </div>
        ) : (
          <div className="hidden flex-1 sm:block" />
        )}

        {!readOnly ? (
          <Button type="button" variant="ghost" size="icon" aria-label="Remove condition" onClick={onRemove}>
            <Trash2Icon />
          </Button>
        ) : null}
      </div>
      {error ? (
        <p id={errorId} role="alert" className="text-xs font-medium text-destructive">
          {error}
        </p>
      ) : null}
    </div>
  );
}

function ConsentPickers({
  topic,
  channel,
  topics,
  readOnly,
  onChange,
}: {
  topic: string;
  channel: Channel;
  topics: BuilderOptions["topics"];
  readOnly: boolean;
  onChange: (topic: string, channel: Channel) => void;
}) {
  const known = topics.find((t) => t.key === topic);
  const channels = known?.channels ?? [channel];
  return (
    <>
      <Select
        value={topic}
        onValueChange={(key) => {
          const next = topics.find((t) => t.key === key);
          if (next) onChange(key, next.channels.includes(channel) ? channel : next.channels[0]!);
        }}
        disabled={readOnly}
      >
        <SelectTrigger aria-label="Topic" className="w-full sm:w-40">
          <SelectValue />
        </SelectTrigger>
        <SelectContent>
          {known ? null : <SelectItem value={topic}>{topic}</SelectItem>}
          {topics.map((t) => (
            <SelectItem key={t.key} value={t.key}>
              {t.name}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
      <Select value={channel} onValueChange={(c) => onChange(topic, c as Channel)} disabled={readOnly}>
        <SelectTrigger aria-label="Channel" className="w-full sm:w-28">
          <SelectValue />
        </SelectTrigger>
        <SelectContent>
          {channels.map((c) => (
            <SelectItem key={c} value={c}>
              {SEGMENT_CHANNEL_LABELS[c]}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
    </>
  );
}

function ValueInput({
  kind,
  type,
  field,
  op,
  value,
  options,
  readOnly,
  invalid,
  onChange,
}: {
  kind: SegmentValueKind;
  type: SegmentFieldType;
  field: string;
  op: SegmentOp;
  value: SegmentValue | undefined;
  options: BuilderOptions;
  readOnly: boolean;
  invalid: boolean;
  onChange: (value: SegmentValue | undefined) => void;
}) {
  const common = { "aria-label": "Value", "aria-invalid": invalid || undefined, readOnly };
  const text = typeof value === "string" || typeof value === "number" ? String(value) : "";
  const list = Array.isArray(value) ? value : [];
  const suggestions = type === "tags" ? DATALIST_IDS.tags : undefined;
  const placeholder = PLACEHOLDERS[field] ?? (type === "attribute" ? "Value" : "");
  switch (kind) {
    case "text":
      return (
        <Input
          {...common}
          list={suggestions}
          value={text}
          maxLength={type === "country" ? 2 : SEGMENT_LIMITS.maxTextLength}
          placeholder={placeholder}
          onChange={(e) => onChange(type === "country" ? e.target.value.toUpperCase() : e.target.value)}
        />
      );
    case "texts":
    case "scalars":
      return (
        <ListInput
          values={list}
          listId={suggestions}
          placeholder={type === "country" ? "US, CA" : "Type a value and press Enter"}
          readOnly={readOnly}
          invalid={invalid}
          onChange={(values) =>
            onChange(
              kind === "scalars"
                ? values.map((v) => (typeof v === "string" ? scalarFrom(v) : v))
                : values.map((v) => (type === "country" ? String(v).toUpperCase() : String(v))),
            )
          }
        />
      );
    case "scalar":
    case "comparable":
      return (
        <Input
          {...common}
          value={typeof value === "boolean" ? String(value) : text}
          maxLength={SEGMENT_LIMITS.maxTextLength}
          placeholder={kind === "comparable" ? "A number or YYYY-MM-DD" : "Text, a number or true/false"}
          onChange={(e) => onChange(e.target.value === "" ? "" : scalarFrom(e.target.value))}
        />
      );
    case "date":
      return <Input {...common} type="date" value={text.slice(0, 10)} onChange={(e) => onChange(e.target.value)} />;
    case "days":
      return (
        <div className="flex items-center gap-2">
          <Input
            {...common}
            type="number"
            inputMode="numeric"
            min={1}
            max={SEGMENT_LIMITS.maxDays}
            className="w-24"
            value={text}
            onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))}
          />
          <span className="text-sm text-muted-foreground">{op === "older_than_days" ? "days ago" : "days"}</span>
        </div>
      );
    case "consent":
      return (
        <Select value={text} onValueChange={onChange} disabled={readOnly}>
          <SelectTrigger aria-label="Value" aria-invalid={invalid || undefined}>
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            {SEGMENT_CONSENT_VALUES.map((status) => (
              <SelectItem key={status} value={status}>
                {CONSENT_VALUE_LABELS[status]}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      );
    case "consents":
      return (
        <div className="flex min-h-9 flex-wrap items-center gap-x-4 gap-y-2" role="group" aria-label="Value">
          {SEGMENT_CONSENT_VALUES.map((status) => {
            const id = `${field}-${status}`;
            return (
              <div key={status} className="flex items-center gap-1.5">
                <Checkbox
                  id={id}
                  checked={list.includes(status)}
                  disabled={readOnly}
                  onCheckedChange={(checked) =>
                    onChange(checked ? [...list, status] : list.filter((v) => v !== status))
                  }
                />
                <Label htmlFor={id} className="text-sm font-normal">
                  {CONSENT_VALUE_LABELS[status]}
                </Label>
              </div>
            );
          })}
        </div>
      );
    case "segment": {
      const known = options.segments.some((s) => s.id === text);
      return (
        <Select value={text} onValueChange={onChange} disabled={readOnly}>
          <SelectTrigger aria-label="Value" aria-invalid={invalid || undefined}>
            <SelectValue placeholder={options.segments.length ? "Choose a segment" : "No other segments yet"} />
          </SelectTrigger>
          <SelectContent>
            {text && !known ? <SelectItem value={text}>Unavailable segment</SelectItem> : null}
            {options.segments.map((s) => (
              <SelectItem key={s.id} value={s.id}>
                {s.name}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      );
    }
    case "campaign":
      return (
        <Input
          {...common}
          value={text}
          className="font-mono text-sm"
          placeholder={placeholder}
          maxLength={36}
          onChange={(e) => onChange(e.target.value.trim())}
        />
      );
    case "none":
      return null;
  }
}

/** Several values: typed and added with Enter or a comma, each removable. */
function ListInput({
  values,
  listId,
  placeholder,
  readOnly,
  invalid,
  onChange,
}: {
  values: (string | number)[];
  listId?: string;
  placeholder: string;
  readOnly: boolean;
  invalid: boolean;
  onChange: (values: (string | number)[]) => void;
}) {
  const [text, setText] = React.useState("");
  const add = () => {
    const parts = text
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    setText("");
    const fresh = parts.filter((p) => !values.map(String).includes(p));
    if (fresh.length) onChange([...values, ...fresh].slice(0, SEGMENT_LIMITS.maxListValues));
  };
  return (
    <div
      className={cn(
        "flex min-h-9 flex-wrap items-center gap-1 rounded-md border border-input px-2 py-1 shadow-xs focus-within:border-ring focus-within:ring-[3px] focus-within:ring-ring/50 dark:bg-input/30",
        invalid && "border-destructive",
      )}
    >
      {values.map((v) => (
        <Badge key={String(v)} variant="secondary" className="gap-1 font-normal">
          {String(v)}
          {!readOnly ? (
            <button
              type="button"
              className="rounded-sm opacity-70 hover:opacity-100"
              aria-label={`Remove ${String(v)}`}
              onClick={() => onChange(values.filter((x) => x !== v))}
            >
              <XIcon className="size-3" />
            </button>
          ) : null}
        </Badge>
      ))}
      {!readOnly ? (
        <input
          aria-label="Add a value"
          aria-invalid={invalid || undefined}
          className="h-7 min-w-28 flex-1 bg-transparent text-sm outline-none placeholder:text-muted-foreground"
          list={listId}
          value={text}
          placeholder={values.length ? "" : placeholder}
          onChange={(e) => setText(e.target.value)}
          onBlur={add}
          onKeyDown={(e) => {
            if (e.key === "Enter" || e.key === ",") {
              e.preventDefault();
              add();
            } else if (e.key === "Backspace" && text === "" && values.length) {
              onChange(values.slice(0, -1));
            }
          }}
        />
      ) : null}
    </div>
  );
}
