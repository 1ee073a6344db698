"use client";

import { SearchIcon } from "lucide-react";
import { Button } from "./button";
import { cn } from "./cn";
import { Input } from "./input";
import { Label } from "./label";

/**
 * The search box of a list whose addresses are encrypted: a whole email or phone number is looked
 * up by its blind index, never a fragment. Submitting applies the draft; clearing the box clears
 * an applied search at once. `error` (the server refused the address) replaces the hint.
 */
export function ExactSearch({
  id,
  label,
  placeholder,
  hint,
  draft,
  onDraftChange,
  applied,
  onApply,
  error,
}: {
  id: string;
  /** Read by screen readers only. */
  label: string;
  placeholder: string;
  hint: string;
  draft: string;
  onDraftChange: (value: string) => void;
  /** Whether a search is applied now (clearing the box then clears it). */
  applied: boolean;
  onApply: (value: string) => void;
  error?: string;
}) {
  return (
    <form
      role="search"
      className="grid gap-1.5"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(draft);
      }}
    >
      <Label htmlFor={id} className="sr-only">
        {label}
      </Label>
      <div className="flex gap-2">
        <div className="relative flex-1">
          <SearchIcon
            className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted-foreground"
            aria-hidden
          />
          <Input
            id={id}
            type="search"
            value={draft}
            onChange={(e) => {
              onDraftChange(e.target.value);
              if (!e.target.value && applied) onApply("");
            }}
            placeholder={placeholder}
            className="bg-background pl-9"
            aria-invalid={error ? true : undefined}
            aria-describedby={`${id}-help`}
            maxLength={320}
          />
        </div>
        <Button type="submit" variant="secondary">
          Search
        </Button>
      </div>
      <p
        id={`${id}-help`}
        className={cn("text-xs", error ? "font-medium text-destructive" : "text-muted-foreground")}
        role={error ? "alert" : undefined}
      >
        {error ?? hint}
      </p>
    </form>
  );
}
