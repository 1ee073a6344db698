"use client";

import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArchiveIcon, ArchiveRestoreIcon, CheckIcon, InfoIcon, PencilIcon, PlusIcon, TagsIcon } from "lucide-react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Checkbox } from "@/components/ui/checkbox";
import { cn } from "@/components/ui/cn";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Switch } from "@/components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Textarea } from "@/components/ui/textarea";
import { toast } from "@/components/ui/toaster";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { CHANNEL_META, type Channel } from "@/components/contacts/labels";
import { fieldError, formErrorsFrom } from "@/components/ui/form-errors";
import { LoadError, LoadingRows } from "@/components/settings/table-states";

type Topic = {
  id: string;
  key: string;
  name: string;
  description: string | null;
  channels: Channel[];
  kind: "marketing" | "transactional";
  requiresDoubleOptIn: boolean;
  archived: boolean;
};

const KIND_HINT = {
  marketing: "Promotions, newsletters: needs an opt-in, and every message carries an unsubscribe.",
  transactional: "Receipts, security alerts: messages people expect because of something they did.",
} as const;

/** Topics people consent to: list for everyone, create, edit and archive for admins. */
export function TopicsManager({ canManage }: { canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [showArchived, setShowArchived] = React.useState(false);
  const list = useQuery(trpc.topics.list.queryOptions({ includeArchived: true }));
  const [editing, setEditing] = React.useState<Topic | "new" | null>(null);
  const [archiving, setArchiving] = React.useState<Topic | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.topics.list.pathKey() });

  const archive = useMutation(
    trpc.topics.update.mutationOptions({
      onSuccess: (topic) => {
        toast.success(topic.archived ? `${topic.name} archived` : `${topic.name} restored`);
        setArchiving(null);
        void refresh();
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );

  const all = (list.data?.items ?? []) as Topic[];
  const archivedCount = all.filter((t) => t.archived).length;
  const topics = showArchived ? all : all.filter((t) => !t.archived);

  return (
    <div className="grid gap-4">
      {!canManage ? (
        <Alert>
          <InfoIcon />
          <AlertDescription>Only admins and owners can create or change topics.</AlertDescription>
        </Alert>
      ) : null}
      <Card className="gap-0 py-0">
        <CardHeader className="flex flex-row flex-wrap items-center justify-between gap-3 border-b py-4 [.border-b]:pb-4">
          <div className="grid gap-1">
            <CardTitle>Topics</CardTitle>
            <CardDescription>What people can subscribe to, per channel. Consent is recorded per topic.</CardDescription>
          </div>
          <div className="flex items-center gap-4">
            {archivedCount > 0 ? (
              <div className="flex items-center gap-2">
                <Switch id="show-archived" checked={showArchived} onCheckedChange={setShowArchived} />
                <Label htmlFor="show-archived" className="text-sm font-normal text-muted-foreground">
                  Show archived ({archivedCount})
                </Label>
              </div>
            ) : null}
            {canManage ? (
              <Button onClick={() => setEditing("new")}>
                <PlusIcon />
                New topic
              </Button>
            ) : null}
          </div>
        </CardHeader>
        {list.isPending ? (
          <LoadingRows label="Loading topics" />
        ) : list.isError ? (
          <LoadError message={errorMessage(list.error)} onRetry={() => void list.refetch()} />
        ) : topics.length === 0 ? (
          <EmptyState
            bare
            className="py-12"
            icon={TagsIcon}
            title="No topics"
            description="Create a topic such as “Newsletter” so people can opt in to it."
            action={canManage ? <Button onClick={() => setEditing("new")}>New topic</Button> : null}
          />
        ) : (
          <Table>
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead>Topic</TableHead>
                <TableHead className="hidden md:table-cell">Key</TableHead>
                <TableHead>Channels</TableHead>
                <TableHead className="hidden sm:table-cell">Kind</TableHead>
                <TableHead className="hidden lg:table-cell">Double opt-in</TableHead>
                <TableHead className="hidden sm:table-cell">Status</TableHead>
                {canManage ? (
                  <TableHead className="w-0 text-right">
                    <span className="sr-only">Actions</span>
                  </TableHead>
                ) : null}
              </TableRow>
            </TableHeader>
            <TableBody>
              {topics.map((topic) => (
                <TableRow
                  key={topic.id}
                  data-testid="topic-row"
                  className={cn(topic.archived && "text-muted-foreground")}
                >
                  <TableCell className="max-w-72 whitespace-normal">
                    <div className="font-medium">{topic.name}</div>
                    {topic.description ? (
                      <div className="line-clamp-2 text-xs text-muted-foreground">{topic.description}</div>
                    ) : null}
                    <code className="text-xs text-muted-foreground md:hidden">{topic.key}</code>
                  </TableCell>
                  <TableCell className="hidden md:table-cell">
                    <code className="rounded bg-muted px-1.5 py-0.5 text-xs">{topic.key}</code>
                  </TableCell>
                  <TableCell>
                    <div className="flex flex-wrap gap-1">
                      {topic.channels.map((channel) => {
                        const Icon = CHANNEL_META[channel].icon;
                        return (
                          <Badge key={channel} variant="outline" className="font-normal">
                            <Icon aria-hidden />
                            {CHANNEL_META[channel].label}
                          </Badge>
                        );
                      })}
                    </div>
                  </TableCell>
                  <TableCell className="hidden sm:table-cell">
                    <Badge variant={topic.kind === "marketing" ? "info" : "muted"} className="capitalize">
                      {topic.kind}
                    </Badge>
                  </TableCell>
                  <TableCell className="hidden lg:table-cell">
                    {topic.requiresDoubleOptIn ? (
                      <span className="inline-flex items-center gap-1 text-sm">
                        <CheckIcon className="size-4 text-success" aria-hidden /> Required
                      </span>
                    ) : (
                      <span className="text-muted-foreground">—</span>
                    )}
                  </TableCell>
                  <TableCell className="hidden sm:table-cell">
                    {topic.archived ? (
                      <Badge variant="muted">Archived</Badge>
                    ) : (
                      <Badge variant="success" dot>
                        Active
                      </Badge>
                    )}
                  </TableCell>
                  {canManage ? (
                    <TableCell className="text-right">
                      <div className="flex justify-end gap-1">
                        <Button
                          variant="ghost"
                          size="sm"
                          onClick={() => setEditing(topic)}
                          aria-label={`Edit ${topic.name}`}
                        >
                          <PencilIcon />
                          <span className="hidden lg:inline">Edit</span>
                        </Button>
                        {topic.archived ? (
                          <Button
                            variant="ghost"
                            size="sm"
                            onClick={() => archive.mutate({ id: topic.id, archived: false })}
                            aria-label={`Restore ${topic.name}`}
                          >
                            <ArchiveRestoreIcon />
                            <span className="hidden lg:inline">Restore</span>
                          </Button>
                        ) : (
                          <Button
                            variant="ghost"
                            size="sm"
                            onClick={() => setArchiving(topic)}
                            aria-label={`Archive ${topic.name}`}
                          >
                            <ArchiveIcon />
                            <span className="hidden lg:inline">Archive</span>
                          </Button>
                        )}
                      </div>
                    </TableCell>
                  ) : null}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Card>

      <TopicDialog topic={editing} onClose={() => setEditing(null)} onSaved={refresh} />

      <AlertDialog open={archiving !== null} onOpenChange={(open) => (open ? null : setArchiving(null))}>
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>Archive {archiving?.name}?</AlertDialogTitle>
            <AlertDialogDescription>
              It disappears from forms, preference pages and “every topic” changes. Consent already recorded is kept,
              and you can restore the topic later.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel>Cancel</AlertDialogCancel>
            <AlertDialogAction onClick={() => archiving && archive.mutate({ id: archiving.id, archived: true })}>
              Archive topic
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
    </div>
  );
}

type Draft = {
  key: string;
  name: string;
  description: string;
  channels: Channel[];
  kind: Topic["kind"];
  requiresDoubleOptIn: boolean;
};
const NEW_TOPIC: Draft = {
  key: "",
  name: "",
  description: "",
  channels: ["email"],
  kind: "marketing",
  requiresDoubleOptIn: true,
};

function suggestKey(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64);
}

function TopicDialog({
  topic,
  onClose,
  onSaved,
}: {
  topic: Topic | "new" | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  return (
    <Dialog open={topic !== null} onOpenChange={(open) => (open ? null : onClose())}>
      <DialogContent className="sm:max-w-lg">
        {topic ? <TopicForm topic={topic} onClose={onClose} onSaved={onSaved} /> : null}
      </DialogContent>
    </Dialog>
  );
}

/** Mounted each time the dialog opens, so its fields start from the topic. */
function TopicForm({ topic, onClose, onSaved }: { topic: Topic | "new"; onClose: () => void; onSaved: () => void }) {
  const trpc = useTRPC();
  const isNew = topic === "new";
  const [draft, setDraft] = React.useState<Draft>(() =>
    topic === "new" ? NEW_TOPIC : { ...topic, description: topic.description ?? "" },
  );
  const [keyTouched, setKeyTouched] = React.useState(false);
  const [errors, setErrors] = React.useState<Record<string, string>>({});

  const onError = (error: unknown) => {
    const { fieldErrors, formError } = formErrorsFrom(error, { fallbackField: "key" });
    setErrors(fieldErrors);
    toast.error(formError);
  };
  const done = (message: string) => {
    toast.success(message);
    onSaved();
    onClose();
  };
  const create = useMutation(
    trpc.topics.create.mutationOptions({ onSuccess: (t) => done(`${t.name} created`), onError }),
  );
  const update = useMutation(
    trpc.topics.update.mutationOptions({ onSuccess: (t) => done(`${t.name} saved`), onError }),
  );

  const channelsError = fieldError(errors, "channels");
  const toggleChannel = (channel: Channel, on: boolean) =>
    setDraft((d) => ({
      ...d,
      channels: on ? [...new Set([...d.channels, channel])] : d.channels.filter((c) => c !== channel),
    }));

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setErrors({});
    if (draft.channels.length === 0) {
      setErrors({ channels: "Choose at least one channel" });
      return;
    }
    if (isNew) {
      create.mutate({
        key: draft.key,
        name: draft.name,
        description: draft.description.trim() || undefined,
        channels: draft.channels,
        kind: draft.kind,
        requiresDoubleOptIn: draft.requiresDoubleOptIn,
      });
    } else {
      update.mutate({
        id: topic.id,
        name: draft.name,
        description: draft.description.trim() || null,
        channels: draft.channels,
        requiresDoubleOptIn: draft.requiresDoubleOptIn,
      });
    }
  };

  return (
    <form className="grid gap-4" onSubmit={submit} noValidate>
      <DialogHeader>
        <DialogTitle>{isNew ? "New topic" : `Edit ${topic.name}`}</DialogTitle>
        <DialogDescription>
          {isNew
            ? "People opt in to topics one by one, on each channel the topic offers."
            : "The key and kind never change: recorded consent rests on them."}
        </DialogDescription>
      </DialogHeader>
      <FormField label="Name" error={fieldError(errors, "name")} required>
        <Input
          value={draft.name}
          onChange={(e) => {
            const name = e.target.value;
            setDraft((d) => ({ ...d, name, key: isNew && !keyTouched ? suggestKey(name) : d.key }));
          }}
          maxLength={100}
          autoFocus
          placeholder="Product updates"
        />
      </FormField>
      <FormField
        label="Key"
        error={fieldError(errors, "key")}
        required={isNew}
        description={
          isNew ? "The stable name used by the API and forms. Letters, digits, - and _." : "Keys cannot be changed."
        }
      >
        <Input
          value={draft.key}
          onChange={(e) => {
            setKeyTouched(true);
            setDraft((d) => ({ ...d, key: e.target.value }));
          }}
          disabled={!isNew}
          maxLength={64}
          className="font-mono"
          placeholder="product-updates"
        />
      </FormField>
      <FormField
        label="Description"
        error={fieldError(errors, "description")}
        description="Shown to people on forms and the preference center."
      >
        <Textarea
          value={draft.description}
          onChange={(e) => setDraft((d) => ({ ...d, description: e.target.value }))}
          rows={2}
          maxLength={500}
        />
      </FormField>
      <fieldset className="grid gap-2">
        <legend className="mb-2 text-sm font-medium">Channels</legend>
        <div className="flex gap-6">
          {(["email", "sms"] as const).map((channel) => (
            <label key={channel} className="flex items-center gap-2 text-sm">
              <Checkbox
                checked={draft.channels.includes(channel)}
                onCheckedChange={(on) => toggleChannel(channel, on === true)}
                aria-invalid={channelsError ? true : undefined}
                aria-describedby={channelsError ? "topic-channels-error" : undefined}
              />
              {CHANNEL_META[channel].label}
            </label>
          ))}
        </div>
        {channelsError ? (
          <p id="topic-channels-error" role="alert" className="text-xs font-medium text-destructive">
            {channelsError}
          </p>
        ) : null}
      </fieldset>
      <FormField label="Kind" description={KIND_HINT[draft.kind]} id="topic-kind">
        <Select
          value={draft.kind}
          onValueChange={(kind) => setDraft((d) => ({ ...d, kind: kind as Draft["kind"] }))}
          disabled={!isNew}
        >
          <SelectTrigger className="w-full" id="topic-kind">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value="marketing">Marketing</SelectItem>
            <SelectItem value="transactional">Transactional</SelectItem>
          </SelectContent>
        </Select>
      </FormField>
      <div className="flex items-start justify-between gap-4 rounded-lg border p-3">
        <div className="grid gap-0.5">
          <Label htmlFor="topic-doi">Require double opt-in</Label>
          <p className="text-xs text-muted-foreground">
            Sign-ups on hosted pages stay pending until the person confirms by link or code.
          </p>
        </div>
        <Switch
          id="topic-doi"
          checked={draft.requiresDoubleOptIn}
          onCheckedChange={(on) => setDraft((d) => ({ ...d, requiresDoubleOptIn: on }))}
        />
      </div>
      <DialogFooter>
        <Button type="button" variant="outline" onClick={onClose}>
          Cancel
        </Button>
        <Button type="submit" loading={create.isPending || update.isPending}>
          {isNew ? "Create topic" : "Save changes"}
        </Button>
      </DialogFooter>
    </form>
  );
}
