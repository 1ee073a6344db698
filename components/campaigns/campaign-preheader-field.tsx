"use client";

import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";

/** At most this many characters (the server's `MAX_PREHEADER`). */
const MAX_PREHEADER = 200;

/**
 * The preheader of an email campaign's inline content (`content.preheader`): the line inbox lists
 * show after the subject, hidden at the top of the email. Liquid like the subject. Controlled: the
 * editor keeps it in its draft, sends it with the content (`content: { subject, preheader, text }`)
 * and passes it to the preview (`templates.preview` input `preheader`).
 */
export function CampaignPreheaderField({
  value,
  onChange,
  disabled,
  error,
}: {
  value: string;
  onChange: (value: string) => void;
  disabled?: boolean;
  error?: string;
}) {
  const left = MAX_PREHEADER - value.length;
  return (
    <FormField
      label="Preheader"
      error={error}
      description={
        <span aria-live="polite">
          The preview line inbox lists show after the subject; hidden in the email itself. Optional.{" "}
          {value ? `${left} ${left === 1 ? "character" : "characters"} left.` : `Up to ${MAX_PREHEADER} characters.`}
        </span>
      }
    >
      <Input
        value={value}
        onChange={(e) => onChange(e.target.value)}
        disabled={disabled}
        maxLength={MAX_PREHEADER}
        placeholder="e.g. 20% off everything this weekend"
      />
    </FormField>
  );
}
