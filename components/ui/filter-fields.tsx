"use client";

import * as React from "react";
import { cn } from "./cn";
import { Input } from "./input";
import { Label } from "./label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "./select";

/** A labelled select for a list page's filter bar (children are the `SelectItem`s). */
export function FilterSelect({
  label,
  value,
  onChange,
  className,
  children,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  className?: string;
  children: React.ReactNode;
}) {
  const id = React.useId();
  return (
    <div className={cn("grid min-w-0 gap-1", className)}>
      <Label htmlFor={id} className="text-xs font-normal text-muted-foreground">
        {label}
      </Label>
      <Select value={value} onValueChange={onChange}>
        <SelectTrigger id={id} className="w-full bg-background">
          <SelectValue />
        </SelectTrigger>
        <SelectContent aria-label={label}>{children}</SelectContent>
      </Select>
    </div>
  );
}

/** A labelled `YYYY-MM-DD` date input for a filter bar. */
export function DateFilter({
  label,
  value,
  onChange,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
}) {
  const id = React.useId();
  return (
    <div className="grid min-w-0 gap-1 md:w-40">
      <Label htmlFor={id} className="text-xs font-normal text-muted-foreground">
        {label}
      </Label>
      <Input
        id={id}
        type="date"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        className="min-w-0 bg-background"
      />
    </div>
  );
}

const ANY = "__any__";

/**
 * A labelled select of one value or none (its first item, e.g. "All topics"): the topic, channel
 * and reason filters of the dashboard, the reports and the suppression list.
 */
export function OptionalSelect<T extends string>({
  id,
  label,
  value,
  onChange,
  anyLabel,
  options,
  className,
  triggerClassName,
}: {
  id: string;
  label: string;
  value: T | null;
  onChange: (value: T | null) => void;
  anyLabel: string;
  options: ReadonlyArray<{ value: T; label: string }>;
  className?: string;
  triggerClassName?: string;
}) {
  return (
    <div className={cn("grid min-w-0 gap-1.5", className)}>
      <Label htmlFor={id}>{label}</Label>
      <Select value={value ?? ANY} onValueChange={(v) => onChange(v === ANY ? null : (v as T))}>
        <SelectTrigger id={id} className={triggerClassName}>
          <SelectValue />
        </SelectTrigger>
        <SelectContent>
          <SelectItem value={ANY}>{anyLabel}</SelectItem>
          {options.map((o) => (
            <SelectItem key={o.value} value={o.value}>
              {o.label}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
    </div>
  );
}
