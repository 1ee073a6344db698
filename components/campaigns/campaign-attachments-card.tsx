"use client";

import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { FileIcon, TriangleAlertIcon, XIcon } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Checkbox } from "@/components/ui/checkbox";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Spinner } from "@/components/ui/spinner";
import { toast } from "@/components/ui/toaster";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { LoadError } from "@/components/settings/table-states";
import type { TCampaign } from "@/server/services/campaigns";
import {
  checkAttachmentType,
  formatFileSize,
  MAX_ATTACHMENT_TOTAL_BYTES,
  MAX_ATTACHMENTS,
  sanitizeFilename,
} from "@/server/shared/attachments";
import { ATTACHMENT_EDITABLE_CAMPAIGN_STATUSES, type AttachmentDelivery } from "@/server/shared/enums";

const DELIVERIES: { value: AttachmentDelivery; label: string; hint: string }[] = [
  {
    value: "link",
    label: "Send links to the files (recommended)",
    hint: "Each email lists the files with a download link; nothing heavy travels with the message.",
  },
  {
    value: "attach",
    label: "Attach the files to each email",
    hint: "Every recipient receives the files inside the message.",
  },
];

/** Statuses after which a campaign's options no longer change (the server refuses them too). */
const ENDED = new Set(["completed", "cancelled", "failed", "archived"]);

/**
 * The files of an email campaign and its web version: upload (one file at a time, checked here
 * against the same rules as the server: 10 files, 5 MB in all, no programs, scripts or pages),
 * the list with sizes and Remove, the space used, how the files reach recipients (attached, or
 * links: the deliverability warning says why links are kinder) and the "View in your browser"
 * link. Files change while the campaign is a draft, scheduled or paused; the two options until
 * it ends. Not a form of its own: it sits inside the campaign editor's form, so nothing here
 * submits it. Renders nothing for SMS campaigns.
 */
export function CampaignAttachmentsCard({ campaign, canEdit }: { campaign: TCampaign; canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = React.useId();
  const [uploading, setUploading] = React.useState(false);
  const [uploadError, setUploadError] = React.useState<string | null>(null);
  const isEmail = campaign.channel === "email";
  const files = useQuery({ ...trpc.campaigns.attachments.queryOptions({ id: campaign.id }), enabled: isEmail });
  const filesEditable =
    canEdit && (ATTACHMENT_EDITABLE_CAMPAIGN_STATUSES as readonly string[]).includes(campaign.status);
  const optionsEditable = canEdit && !ENDED.has(campaign.status);

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.campaigns.attachments.queryKey({ id: campaign.id }) });
  };
  const remove = useMutation(
    trpc.campaigns.removeAttachment.mutationOptions({
      onSuccess: async (_data, variables) => {
        const name = files.data?.items.find((f) => f.id === variables.attachmentId)?.filename;
        await refresh();
        toast.success(name ? `Removed ${name}` : "File removed");
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );
  const saveOptions = useMutation(
    trpc.campaigns.updateOptions.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.campaigns.pathKey() });
        toast.success("Saved");
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );

  if (!isEmail) return null;

  const items = files.data?.items ?? [];
  const used = files.data?.totalBytes ?? 0;
  // While a change is being saved, show it (the campaign query catches up once it is saved).
  const options = saveOptions.isPending && saveOptions.variables ? saveOptions.variables.options : campaign.options;
  const delivery = options.attachmentDelivery ?? "attach";
  const webVersion = Boolean(options.webVersionLink);
  const full = items.length >= MAX_ATTACHMENTS;

  async function upload(file: File) {
    setUploadError(null);
    const name = sanitizeFilename(file.name);
    const type = checkAttachmentType(name, file.type);
    if (!type.ok) return setUploadError(type.message);
    if (file.size === 0) return setUploadError("The file is empty");
    if (used + file.size > MAX_ATTACHMENT_TOTAL_BYTES)
      return setUploadError(
        `${name} (${formatFileSize(file.size)}) would bring the files to ${formatFileSize(used + file.size)}; the most is ${formatFileSize(MAX_ATTACHMENT_TOTAL_BYTES)}. Remove a file, or send a link to a hosted file instead.`,
      );
    setUploading(true);
    try {
      const body = new FormData();
      body.append("file", file, file.name);
      const res = await fetch(`/api/campaigns/${campaign.id}/attachments`, { method: "POST", body });
      if (!res.ok) {
        const answer = (await res.json().catch(() => null)) as { message?: string } | null;
        setUploadError(answer?.message ?? `Upload failed (${res.status})`);
        return;
      }
      await refresh();
      toast.success(`Attached ${name}`);
    } catch {
      setUploadError("The upload was interrupted. Check your connection and try again.");
    } finally {
      setUploading(false);
    }
  }

  return (
    <Card data-testid="campaign-attachments">
      <CardHeader>
        <CardTitle>Files and web version</CardTitle>
        <CardDescription>
          Up to {MAX_ATTACHMENTS} files, {formatFileSize(MAX_ATTACHMENT_TOTAL_BYTES)} in all. Programs, scripts and web
          pages cannot be attached.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-6 md:max-w-2xl">
        <Alert>
          <TriangleAlertIcon />
          <AlertTitle>Think twice before attaching</AlertTitle>
          <AlertDescription>
            Attachments on bulk email hurt deliverability; send a link to a hosted file instead.
          </AlertDescription>
        </Alert>

        <fieldset className="grid gap-3" disabled={!optionsEditable || saveOptions.isPending}>
          <legend className="mb-2 text-sm font-medium">How recipients get the files</legend>
          {DELIVERIES.map((option) => (
            <div key={option.value} className="flex items-start gap-3">
              <input
                type="radio"
                id={`${id}-delivery-${option.value}`}
                name={`${id}-delivery`}
                value={option.value}
                checked={delivery === option.value}
                onChange={() =>
                  saveOptions.mutate({
                    id: campaign.id,
                    options: { ...campaign.options, attachmentDelivery: option.value },
                  })
                }
                aria-describedby={`${id}-delivery-${option.value}-hint`}
                className="mt-0.5 size-4 shrink-0 accent-primary"
              />
              <div className="grid gap-1">
                <Label htmlFor={`${id}-delivery-${option.value}`}>{option.label}</Label>
                <p id={`${id}-delivery-${option.value}-hint`} className="text-xs text-muted-foreground">
                  {option.hint}
                </p>
              </div>
            </div>
          ))}
        </fieldset>

        <div className="grid gap-3">
          <div className="flex flex-wrap items-baseline justify-between gap-2">
            <h3 className="text-sm font-medium" id={`${id}-files`}>
              Files
            </h3>
            <p className="text-xs text-muted-foreground" id={`${id}-used`} data-testid="attachments-used">
              {formatFileSize(used)} of {formatFileSize(MAX_ATTACHMENT_TOTAL_BYTES)} used · {items.length} of{" "}
              {MAX_ATTACHMENTS} files
            </p>
          </div>
          <div
            role="progressbar"
            aria-labelledby={`${id}-used`}
            aria-valuemin={0}
            aria-valuemax={MAX_ATTACHMENT_TOTAL_BYTES}
            aria-valuenow={used}
            aria-valuetext={`${formatFileSize(used)} of ${formatFileSize(MAX_ATTACHMENT_TOTAL_BYTES)} used`}
            className="h-2 w-full overflow-hidden rounded-full bg-muted"
          >
            <div
              className="h-full rounded-full bg-primary transition-[width]"
              style={{ width: `${Math.min(100, (used / MAX_ATTACHMENT_TOTAL_BYTES) * 100)}%` }}
            />
          </div>
          {files.isError ? (
            <LoadError message={errorMessage(files.error)} onRetry={() => void files.refetch()} />
          ) : files.isPending ? (
            <p className="text-sm text-muted-foreground">Loading files…</p>
          ) : items.length === 0 ? (
            <p className="text-sm text-muted-foreground">No files yet.</p>
          ) : (
            <ul
              aria-labelledby={`${id}-files`}
              className="grid divide-y rounded-md border"
              data-testid="attachment-list"
            >
              {items.map((file) => (
                <li key={file.id} className="flex items-center gap-3 px-3 py-2 text-sm">
                  <FileIcon className="size-4 shrink-0 text-muted-foreground" aria-hidden="true" />
                  <span className="min-w-0 flex-1 truncate" title={file.filename}>
                    {file.filename}
                  </span>
                  <span className="shrink-0 text-xs text-muted-foreground">{formatFileSize(file.sizeBytes)}</span>
                  {filesEditable ? (
                    <Button
                      type="button"
                      variant="ghost"
                      size="sm"
                      disabled={remove.isPending}
                      aria-label={`Remove ${file.filename}`}
                      onClick={() => remove.mutate({ id: campaign.id, attachmentId: file.id })}
                    >
                      <XIcon aria-hidden="true" />
                      Remove
                    </Button>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
          {filesEditable ? (
            <div className="grid gap-2">
              <Label htmlFor={`${id}-upload`}>Attach a file</Label>
              <div className="flex items-center gap-3">
                <Input
                  id={`${id}-upload`}
                  type="file"
                  disabled={uploading || full}
                  aria-describedby={`${id}-upload-hint${uploadError ? ` ${id}-upload-error` : ""}`}
                  aria-invalid={uploadError ? true : undefined}
                  onChange={(e) => {
                    const file = e.target.files?.[0];
                    // Cleared at once: choosing the same file again after a refusal or a removal is a change.
                    e.target.value = "";
                    if (file) void upload(file);
                  }}
                />
                {uploading ? <Spinner label="Uploading" /> : null}
              </div>
              <p id={`${id}-upload-hint`} className="text-xs text-muted-foreground">
                {full
                  ? `This campaign has ${MAX_ATTACHMENTS} files, the most it may carry: remove one to attach another.`
                  : "PDF, images, office documents, text and other files; sent with each email or as download links."}
              </p>
              {uploadError ? (
                <p id={`${id}-upload-error`} role="alert" className="text-xs font-medium text-destructive">
                  {uploadError}
                </p>
              ) : null}
            </div>
          ) : (
            <p className="text-xs text-muted-foreground">
              Files can be added or removed while the campaign is a draft, scheduled or paused.
            </p>
          )}
        </div>

        <div className="flex items-start gap-3">
          <Checkbox
            id={`${id}-web-version`}
            checked={webVersion}
            disabled={!optionsEditable || saveOptions.isPending}
            aria-describedby={`${id}-web-version-hint`}
            onCheckedChange={(value) =>
              saveOptions.mutate({ id: campaign.id, options: { ...campaign.options, webVersionLink: value === true } })
            }
          />
          <div className="grid gap-1">
            <Label htmlFor={`${id}-web-version`}>Add a &ldquo;View in your browser&rdquo; link</Label>
            <p id={`${id}-web-version-hint`} className="text-xs text-muted-foreground">
              Each email links to its own copy on the web, with the recipient&apos;s details as they received them.
              Place it yourself with {"{{ web_version_url }}"}.
            </p>
          </div>
        </div>
      </CardContent>
    </Card>
  );
}
