import { Button } from "@/components/ui/button";
import { CardFooter } from "@/components/ui/card";
import { Spinner } from "@/components/ui/spinner";

/**
 * The footer of a settings card: for those who may edit, the save button (disabled until
 * something changed) and, with `onDiscard`, the state of the draft and a Discard button; for the
 * others, `readOnlyText` (or nothing).
 */
export function SettingsSaveFooter({
  canEdit,
  dirty,
  pending,
  saveLabel,
  invalid = false,
  invalidText = "Fix the highlighted fields, then save.",
  onDiscard,
  readOnlyText,
}: {
  canEdit: boolean;
  dirty: boolean;
  pending: boolean;
  saveLabel: string;
  /** The draft has errors: saving is refused (and, with `onDiscard`, said). */
  invalid?: boolean;
  invalidText?: string;
  onDiscard?: () => void;
  readOnlyText?: string;
}) {
  if (!canEdit)
    return readOnlyText ? (
      <CardFooter className="border-t pt-4 text-sm text-muted-foreground">{readOnlyText}</CardFooter>
    ) : null;
  const save = (
    <Button type="submit" disabled={!dirty || pending || (invalid && !onDiscard)}>
      {pending ? <Spinner /> : null}
      {saveLabel}
    </Button>
  );
  if (!onDiscard) return <CardFooter className="justify-end border-t pt-4">{save}</CardFooter>;
  return (
    <CardFooter className="flex-wrap justify-between gap-3 border-t pt-4">
      <p className="text-xs text-muted-foreground" aria-live="polite">
        {invalid ? invalidText : dirty ? "You have unsaved changes." : "All changes saved."}
      </p>
      <div className="flex gap-2">
        <Button type="button" variant="outline" disabled={!dirty || pending} onClick={onDiscard}>
          Discard
        </Button>
        {save}
      </div>
    </CardFooter>
  );
}
