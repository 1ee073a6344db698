"use client";

import * as React from "react";
import { useMutation } from "@tanstack/react-query";
import { EyeIcon, HistoryIcon, RotateCcwIcon } from "lucide-react";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Spinner } from "@/components/ui/spinner";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { formatDateTime } from "@/components/settings/format";
import type { Channel, TemplateCategory } from "@/server/shared/enums";
import type { TTemplateVersion } from "@/server/services/templates";
import { MessagePreview } from "./template-preview";

/** Every version, newest first, with a rendered view of each and "restore" for older ones. */
export function VersionHistory({
  versions,
  current,
  channel,
  category,
  brand,
  canEdit,
  restoring,
  onRestore,
}: {
  versions: TTemplateVersion[];
  current: number;
  channel: Channel;
  category: TemplateCategory;
  brand: string;
  canEdit: boolean;
  restoring: boolean;
  onRestore: (version: number) => void;
}) {
  const [viewing, setViewing] = React.useState<TTemplateVersion | null>(null);
  return (
    <Card>
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <HistoryIcon className="size-4 text-muted-foreground" />
          Version history
        </CardTitle>
        <CardDescription>
          Versions never change once saved; every message records the one it was sent from. Restoring copies an old
          version into a new one.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <ol className="grid gap-1" data-testid="version-history">
          {versions.map((v) => (
            <li
              key={v.id}
              className="flex flex-wrap items-center gap-x-3 gap-y-1 rounded-md px-1 py-1.5 text-sm hover:bg-muted/40"
              data-testid={`version-${v.version}`}
            >
              <Badge variant={v.version === current ? "default" : "muted"} className="w-10 justify-center tabular-nums">
                v{v.version}
              </Badge>
              <div className="grid min-w-0 flex-1 gap-0.5">
                <span>
                  {v.restoredFromVersion
                    ? `Restored from v${v.restoredFromVersion}`
                    : v.version === 1
                      ? "Created"
                      : "Edited"}
                  {v.version === current ? <span className="text-muted-foreground"> · live</span> : null}
                </span>
                <span className="truncate text-xs text-muted-foreground">
                  {formatDateTime(v.createdAt)} UTC{v.createdBy ? ` · ${v.createdBy}` : ""} ·{" "}
                  {Object.keys(v.variants).join(", ")}
                </span>
              </div>
              <div className="flex items-center gap-1">
                <Button
                  type="button"
                  size="sm"
                  variant="ghost"
                  onClick={() => setViewing(v)}
                  aria-label={`View version ${v.version}`}
                >
                  <EyeIcon />
                  View
                </Button>
                {canEdit && v.version !== current ? (
                  <RestoreButton version={v.version} pending={restoring} onConfirm={() => onRestore(v.version)} />
                ) : null}
              </div>
            </li>
          ))}
        </ol>
      </CardContent>
      <VersionDialog
        version={viewing}
        channel={channel}
        category={category}
        brand={brand}
        onClose={() => setViewing(null)}
      />
    </Card>
  );
}

function RestoreButton({ version, pending, onConfirm }: { version: number; pending: boolean; onConfirm: () => void }) {
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button type="button" size="sm" variant="outline" disabled={pending} aria-label={`Restore version ${version}`}>
          {pending ? <Spinner /> : <RotateCcwIcon />}
          Restore
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Restore version {version}?</AlertDialogTitle>
          <AlertDialogDescription>
            Its content becomes a new live version. Nothing is deleted: the current version stays in the history, and
            unsaved edits in the editor are replaced.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction onClick={onConfirm}>Restore v{version}</AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

function VersionDialog({
  version,
  channel,
  category,
  brand,
  onClose,
}: {
  version: TTemplateVersion | null;
  channel: Channel;
  category: TemplateCategory;
  brand: string;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const preview = useMutation(trpc.templates.preview.mutationOptions());
  const { mutate, reset } = preview;
  const [locale, setLocale] = React.useState<string | null>(null);
  React.useEffect(() => {
    if (!version) {
      reset();
      return;
    }
    mutate({
      channel,
      category,
      defaultLocale: version.defaultLocale,
      variants: Object.fromEntries(
        Object.entries(version.variants).map(([l, c]) => [l, { subject: c.subject, text: c.text, html: c.html }]),
      ),
      variables: version.variables.map((v) => ({ name: v.name, sample: v.sample })),
      locale: locale ?? version.defaultLocale,
    });
  }, [version, locale, channel, category, mutate, reset]);
  const locales = version ? Object.keys(version.variants) : [];
  return (
    <Dialog
      open={version !== null}
      onOpenChange={(open) => {
        if (!open) {
          setLocale(null);
          onClose();
        }
      }}
    >
      <DialogContent className="max-h-[92svh] overflow-y-auto sm:max-w-3xl">
        <DialogHeader>
          <DialogTitle>Version {version?.version}</DialogTitle>
          <DialogDescription>
            {version
              ? `${formatDateTime(version.createdAt)} UTC${version.createdBy ? ` · ${version.createdBy}` : ""}. Rendered with its sample values.`
              : null}
          </DialogDescription>
        </DialogHeader>
        {locales.length > 1 ? (
          <div className="flex flex-wrap gap-1" role="group" aria-label="Locale">
            {locales.map((l) => (
              <Button
                key={l}
                type="button"
                size="sm"
                variant={(locale ?? version?.defaultLocale) === l ? "secondary" : "ghost"}
                onClick={() => setLocale(l)}
              >
                {l}
              </Button>
            ))}
          </div>
        ) : null}
        {preview.isError ? <p className="text-sm text-destructive">{errorMessage(preview.error)}</p> : null}
        <MessagePreview
          channel={channel}
          brand={brand}
          preview={preview.data}
          pending={preview.isPending}
          frameTitle="Version preview"
        />
      </DialogContent>
    </Dialog>
  );
}
