"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ExternalLinkIcon, HistoryIcon, InfoIcon, ShieldCheckIcon } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { ArchiveButton } from "@/components/ui/archive-button";
import { BackLink } from "@/components/ui/back-link";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Checkbox } from "@/components/ui/checkbox";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { Spinner } from "@/components/ui/spinner";
import { Switch } from "@/components/ui/switch";
import { Textarea } from "@/components/ui/textarea";
import { toast } from "@/components/ui/toaster";
import { fieldError, formErrorsFrom } from "@/components/ui/form-errors";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { formatDateTime } from "@/components/settings/format";
import { LoadError } from "@/components/settings/table-states";
import { FIELD_DEFAULT_LABELS, FORM_FIELD_NAMES, type FormDefinition, type FormFieldName } from "@/server/shared/forms";
import { EmbedSnippets } from "./embed-snippets";
import { FormPreview } from "./form-preview";
import type { HostedBrand } from "@/components/hosted/theme";

type Draft = { name: string; definition: FormDefinition };
type Topic = {
  id: string;
  key: string;
  name: string;
  description: string | null;
  channels: ("email" | "sms")[];
  kind: string;
  requiresDoubleOptIn: boolean;
};

function defaultDraft(brand: string): Draft {
  return {
    name: "Newsletter sign-up",
    definition: {
      title: `Stay in touch with ${brand}`,
      description: "News, offers and stories, straight to your inbox. No spam, unsubscribe any time.",
      fields: [
        { name: "email", required: true },
        { name: "firstName", required: false },
      ],
      topicIds: [],
      consentText: `I agree to receive marketing messages from ${brand} about the topics above. I can unsubscribe at any time using the link in every message.`,
      doubleOptIn: true,
      submitLabel: "Subscribe",
      successMessage: "",
    },
  };
}

const FIELD_HINTS: Record<FormFieldName, string> = {
  email: "Needed for email topics",
  phone: "Needed for SMS topics",
  firstName: "Used to personalise messages",
  lastName: "",
};

export function FormBuilder({
  formId,
  brand,
  publicUrl,
  canManage,
}: {
  formId?: string;
  /** The workspace's brand, as its hosted pages show it (the preview uses it). */
  brand: HostedBrand;
  publicUrl: string;
  canManage: boolean;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const form = useQuery({ ...trpc.forms.get.queryOptions({ id: formId ?? "" }), enabled: Boolean(formId) });
  const topics = useQuery(trpc.topics.list.queryOptions());
  const [draft, setDraft] = React.useState<Draft | null>(formId ? null : defaultDraft(brand.name));
  const [errors, setErrors] = React.useState<Record<string, string>>({});

  // Load the saved form into the editor once (and again after each save).
  const loadedVersion = React.useRef<string | null>(null);
  React.useEffect(() => {
    if (!form.data) return;
    const marker = `${form.data.id}@${form.data.currentVersion}@${form.data.name}`;
    if (loadedVersion.current === marker) return;
    loadedVersion.current = marker;
    setDraft({ name: form.data.name, definition: { ...form.data.definition } });
  }, [form.data]);

  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.forms.pathKey() });
  const onError = (error: unknown) => {
    const { fieldErrors, formError } = formErrorsFrom(error);
    setErrors(fieldErrors);
    toast.error(formError);
  };
  const create = useMutation(
    trpc.forms.create.mutationOptions({
      onSuccess: (created) => {
        toast.success("Form created");
        void invalidate();
        router.push(`/forms/${created.id}`);
      },
      onError,
    }),
  );
  const update = useMutation(
    trpc.forms.update.mutationOptions({
      onSuccess: (saved) => {
        toast.success(
          saved.currentVersion === form.data?.currentVersion ? "Saved" : `Saved as version ${saved.currentVersion}`,
        );
        void invalidate();
      },
      onError,
    }),
  );
  const archive = useMutation(
    trpc.forms.archive.mutationOptions({
      onSuccess: (saved) => {
        toast.success(saved.archived ? "Form archived: its page no longer accepts sign-ups" : "Form restored");
        void invalidate();
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );

  if (formId && form.isError) {
    return (
      <>
        <BackLink href="/forms">Forms</BackLink>
        <LoadError message={errorMessage(form.error)} onRetry={() => void form.refetch()} />
      </>
    );
  }
  if (!draft) return <BuilderSkeleton />;

  const def = draft.definition;
  const setDef = (patch: Partial<FormDefinition>) =>
    setDraft((d) => (d ? { ...d, definition: { ...d.definition, ...patch } } : d));
  const topicItems = (topics.data?.items ?? []) as Topic[];
  const selectedTopics = def.topicIds
    .map((id) => topicItems.find((t) => t.id === id))
    .filter((t): t is Topic => Boolean(t));
  const channels = new Set(def.fields.map((f) => (f.name === "email" ? "email" : f.name === "phone" ? "sms" : null)));
  const forcedDoi = selectedTopics.filter((t) => t.requiresDoubleOptIn);
  const hostedTopic = (t: Topic) => ({ key: t.key, name: t.name, description: t.description, channels: t.channels });
  const saving = create.isPending || update.isPending;
  const readOnly = !canManage;
  const saved = form.data;
  const fieldsError = errors["definition.fields"];
  const topicsError = fieldError(errors, "definition.topicIds");

  const toggleField = (name: FormFieldName, on: boolean) =>
    setDef({
      fields: on
        ? FORM_FIELD_NAMES.filter((n) => n === name || def.fields.some((f) => f.name === n)).map(
            (n) =>
              def.fields.find((f) => f.name === n) ?? {
                name: n,
                required:
                  n === "email" || n === "phone"
                    ? def.fields.every((f) => f.name !== "email" && f.name !== "phone")
                    : false,
              },
          )
        : def.fields.filter((f) => f.name !== name),
    });
  const patchField = (name: FormFieldName, patch: Partial<FormDefinition["fields"][number]>) =>
    setDef({ fields: def.fields.map((f) => (f.name === name ? { ...f, ...patch } : f)) });

  const save = (event: React.FormEvent) => {
    event.preventDefault();
    setErrors({});
    const definition: FormDefinition = {
      ...def,
      description: def.description || undefined,
      submitLabel: def.submitLabel || undefined,
      successMessage: def.successMessage || undefined,
    };
    if (formId) update.mutate({ id: formId, name: draft.name, definition });
    else create.mutate({ name: draft.name, definition });
  };

  const url = saved ? `${publicUrl}/f/${saved.key}` : null;

  return (
    <form onSubmit={save} className="grid gap-6" aria-busy={saving}>
      <PageHeader
        eyebrow={<BackLink href="/forms">Forms</BackLink>}
        title={
          <span className="flex flex-wrap items-center gap-2">
            {formId ? draft.name || "Untitled form" : "New form"}
            {saved ? <Badge variant="muted">v{saved.currentVersion}</Badge> : null}
            {saved?.archived ? <Badge variant="warning">Archived</Badge> : null}
          </span>
        }
        description={
          formId
            ? "Each save that changes the form creates a new version. Earlier sign-ups keep the version and consent text they saw."
            : "Build the form people fill in to opt in. You can embed it on your site or share its link."
        }
        actions={
          <>
            {url && !saved?.archived ? (
              <Button asChild variant="outline">
                <a href={url} target="_blank" rel="noreferrer">
                  <ExternalLinkIcon />
                  Open
                </a>
              </Button>
            ) : null}
            {saved && canManage ? (
              <ArchiveButton
                archived={saved.archived}
                pending={archive.isPending}
                onConfirm={() => archive.mutate({ id: saved.id, archived: !saved.archived })}
                noun="form"
                restoreLabel="Restore"
                consequences="Its page and embeds stop accepting sign-ups at once. Consent already collected, and its versions, are kept. You can restore it later."
              />
            ) : null}
            {canManage ? (
              <Button type="submit" disabled={saving}>
                {saving ? <Spinner /> : null}
                {formId ? "Save changes" : "Create form"}
              </Button>
            ) : null}
          </>
        }
      />

      {readOnly ? (
        <Alert>
          <InfoIcon />
          <AlertTitle>View only</AlertTitle>
          <AlertDescription>Only admins and owners can change forms.</AlertDescription>
        </Alert>
      ) : null}

      <div className="grid items-start gap-6 lg:grid-cols-[minmax(0,1fr)_22rem] xl:grid-cols-[minmax(0,1fr)_24rem] 2xl:grid-cols-[minmax(0,1fr)_28rem]">
        <div className="grid min-w-0 gap-6">
          {saved && url ? (
            <Card>
              <CardHeader>
                <CardTitle>Share and embed</CardTitle>
                <CardDescription>Always serves the latest saved version.</CardDescription>
              </CardHeader>
              <CardContent>
                <EmbedSnippets
                  url={url}
                  definition={saved.definition}
                  topics={saved.definition.topicIds
                    .map((id) => topicItems.find((t) => t.id === id))
                    .filter((t): t is Topic => Boolean(t))
                    .map(hostedTopic)}
                />
              </CardContent>
            </Card>
          ) : null}
          <fieldset disabled={readOnly || saving} className="grid min-w-0 gap-6">
            <Card>
              <CardHeader>
                <CardTitle>Basics</CardTitle>
                <CardDescription>
                  The name is for your team; the title and description are what people see.
                </CardDescription>
              </CardHeader>
              <CardContent className="grid gap-4">
                <FormField
                  label="Name"
                  required
                  error={fieldError(errors, "name")}
                  description="Only shown in OptIn Manager."
                >
                  <Input
                    value={draft.name}
                    onChange={(e) => setDraft({ ...draft, name: e.target.value })}
                    maxLength={100}
                  />
                </FormField>
                <FormField label="Title" required error={fieldError(errors, "definition.title")}>
                  <Input value={def.title} onChange={(e) => setDef({ title: e.target.value })} maxLength={120} />
                </FormField>
                <FormField label="Description" error={fieldError(errors, "definition.description")}>
                  <Textarea
                    value={def.description ?? ""}
                    onChange={(e) => setDef({ description: e.target.value })}
                    maxLength={1000}
                    rows={2}
                  />
                </FormField>
              </CardContent>
            </Card>

            <Card>
              <CardHeader>
                <CardTitle>Fields</CardTitle>
                <CardDescription>Ask for as little as you need. At least one of email or phone.</CardDescription>
              </CardHeader>
              <CardContent className="grid gap-2">
                {FORM_FIELD_NAMES.map((name) => {
                  const index = def.fields.findIndex((f) => f.name === name);
                  const field = def.fields[index];
                  const labelError = index >= 0 ? fieldError(errors, `definition.fields.${index}`) : undefined;
                  return (
                    <div key={name} className="grid gap-3 rounded-lg border p-3" data-testid={`field-${name}`}>
                      <div className="flex items-center justify-between gap-3">
                        <div className="flex items-center gap-2.5">
                          <Checkbox
                            id={`use-${name}`}
                            checked={Boolean(field)}
                            onCheckedChange={(v) => toggleField(name, v === true)}
                            aria-label={`Ask for ${FIELD_DEFAULT_LABELS[name]}`}
                            aria-describedby={fieldsError ? "form-fields-error" : undefined}
                          />
                          <Label htmlFor={`use-${name}`} className="flex flex-col items-start gap-0">
                            <span>{FIELD_DEFAULT_LABELS[name]}</span>
                            {FIELD_HINTS[name] ? (
                              <span className="text-xs font-normal text-muted-foreground">{FIELD_HINTS[name]}</span>
                            ) : null}
                          </Label>
                        </div>
                        {field ? (
                          <div className="flex items-center gap-2">
                            <Label htmlFor={`required-${name}`} className="text-sm font-normal text-muted-foreground">
                              Required
                            </Label>
                            <Switch
                              id={`required-${name}`}
                              checked={field.required}
                              onCheckedChange={(v) => patchField(name, { required: v })}
                              aria-label={`${FIELD_DEFAULT_LABELS[name]} required`}
                            />
                          </div>
                        ) : null}
                      </div>
                      {field ? (
                        <Input
                          aria-label={`Label for ${FIELD_DEFAULT_LABELS[name]}`}
                          aria-invalid={labelError ? true : undefined}
                          aria-describedby={labelError ? `field-${name}-error` : undefined}
                          placeholder={`Label shown on the form (default: ${FIELD_DEFAULT_LABELS[name]})`}
                          value={field.label ?? ""}
                          maxLength={80}
                          onChange={(e) => patchField(name, { label: e.target.value })}
                        />
                      ) : null}
                      {labelError ? (
                        <p id={`field-${name}-error`} role="alert" className="text-xs font-medium text-destructive">
                          {labelError}
                        </p>
                      ) : null}
                    </div>
                  );
                })}
                {fieldsError ? (
                  <p id="form-fields-error" role="alert" className="text-xs font-medium text-destructive">
                    {fieldsError}
                  </p>
                ) : null}
              </CardContent>
            </Card>

            <Card>
              <CardHeader>
                <CardTitle>Topics</CardTitle>
                <CardDescription>
                  Submitting the form opts the person in to every topic you tick, on the channels they give an address
                  for.
                </CardDescription>
              </CardHeader>
              <CardContent className="grid gap-2">
                {topics.isPending ? (
                  <div className="grid gap-2" role="status" aria-busy="true" aria-label="Loading topics">
                    <Skeleton className="h-12" />
                    <Skeleton className="h-12" />
                  </div>
                ) : topics.isError ? (
                  <LoadError message={errorMessage(topics.error)} onRetry={() => void topics.refetch()} />
                ) : topicItems.length === 0 ? (
                  <p className="text-sm text-muted-foreground">This workspace has no topics yet. Create one first.</p>
                ) : (
                  topicItems.map((topic) => {
                    const checked = def.topicIds.includes(topic.id);
                    const reachable = topic.channels.some((c) => channels.has(c));
                    return (
                      <label
                        key={topic.id}
                        htmlFor={`topic-${topic.id}`}
                        className="flex cursor-pointer items-start gap-3 rounded-lg border p-3 transition-colors hover:bg-muted/40 has-[button[data-state=checked]]:border-primary/40 has-[button[data-state=checked]]:bg-muted/30"
                      >
                        <Checkbox
                          id={`topic-${topic.id}`}
                          aria-describedby={topicsError ? "form-topics-error" : undefined}
                          className="mt-0.5"
                          checked={checked}
                          onCheckedChange={(v) =>
                            setDef({
                              topicIds:
                                v === true ? [...def.topicIds, topic.id] : def.topicIds.filter((id) => id !== topic.id),
                            })
                          }
                        />
                        <span className="grid min-w-0 gap-1">
                          <span className="flex flex-wrap items-center gap-1.5 text-sm font-medium">
                            {topic.name}
                            {topic.channels.map((c) => (
                              <Badge key={c} variant="secondary">
                                {c === "sms" ? "SMS" : "Email"}
                              </Badge>
                            ))}
                            {topic.kind === "transactional" ? <Badge variant="muted">Transactional</Badge> : null}
                            {topic.requiresDoubleOptIn ? <Badge variant="info">Always double opt-in</Badge> : null}
                          </span>
                          {topic.description ? (
                            <span className="text-xs text-muted-foreground">{topic.description}</span>
                          ) : null}
                          {checked && !reachable ? (
                            <span className="text-xs font-medium text-warning">
                              Add the {topic.channels.includes("sms") ? "phone" : "email"} field to reach this topic.
                            </span>
                          ) : null}
                        </span>
                      </label>
                    );
                  })
                )}
                {topicsError ? (
                  <p id="form-topics-error" role="alert" className="text-xs font-medium text-destructive">
                    {topicsError}
                  </p>
                ) : null}
              </CardContent>
            </Card>

            <Card>
              <CardHeader>
                <CardTitle>Consent</CardTitle>
                <CardDescription>
                  The exact words shown next to the button. They are stored with every sign-up as proof.
                </CardDescription>
              </CardHeader>
              <CardContent className="grid gap-4">
                <FormField label="Consent text" required error={fieldError(errors, "definition.consentText")}>
                  <Textarea
                    value={def.consentText}
                    onChange={(e) => setDef({ consentText: e.target.value })}
                    maxLength={5000}
                    rows={3}
                  />
                </FormField>
                <div className="flex items-start justify-between gap-4 rounded-lg border p-3">
                  <div className="grid gap-1">
                    <Label htmlFor="double-opt-in" className="flex items-center gap-1.5">
                      <ShieldCheckIcon className="size-4 text-muted-foreground" />
                      Double opt-in
                    </Label>
                    <p className="text-xs text-muted-foreground">
                      People confirm by clicking a link in an email or typing a code sent by SMS before consent counts.
                      {forcedDoi.length > 0 && !def.doubleOptIn
                        ? ` ${forcedDoi.map((t) => t.name).join(", ")} always ask${forcedDoi.length === 1 ? "s" : ""} for it anyway.`
                        : ""}
                    </p>
                  </div>
                  <Switch
                    id="double-opt-in"
                    checked={def.doubleOptIn}
                    onCheckedChange={(v) => setDef({ doubleOptIn: v })}
                  />
                </div>
                <div className="grid gap-4 sm:grid-cols-2">
                  <FormField label="Button label" error={fieldError(errors, "definition.submitLabel")}>
                    <Input
                      value={def.submitLabel ?? ""}
                      placeholder="Subscribe"
                      onChange={(e) => setDef({ submitLabel: e.target.value })}
                      maxLength={40}
                    />
                  </FormField>
                  <FormField
                    label="Success message"
                    error={fieldError(errors, "definition.successMessage")}
                    description="Shown after a sign-up without double opt-in."
                  >
                    <Input
                      value={def.successMessage ?? ""}
                      placeholder="Thanks! You're subscribed."
                      onChange={(e) => setDef({ successMessage: e.target.value })}
                      maxLength={1000}
                    />
                  </FormField>
                </div>
              </CardContent>
            </Card>
          </fieldset>
          {saved ? <VersionHistory versions={saved.versions} current={saved.currentVersion} /> : null}
        </div>

        <div className="min-w-0 lg:sticky lg:top-6">
          <FormPreview brand={brand} definition={def} topics={selectedTopics.map(hostedTopic)} />
        </div>
      </div>
    </form>
  );
}

const CHANGE_LABELS: Record<string, string> = {
  title: "title",
  description: "description",
  fields: "fields",
  topicIds: "topics",
  consentText: "consent text",
  doubleOptIn: "double opt-in",
  submitLabel: "button",
  successMessage: "success message",
};

function VersionHistory({
  versions,
  current,
}: {
  versions: {
    id: string;
    version: number;
    createdAt: Date;
    createdBy: string | null;
    changed: string[];
    consentTextHash: string;
  }[];
  current: number;
}) {
  return (
    <Card>
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <HistoryIcon className="size-4 text-muted-foreground" />
          Version history
        </CardTitle>
        <CardDescription>Versions never change once saved; sign-ups point at the one they saw.</CardDescription>
      </CardHeader>
      <CardContent>
        <ol className="grid gap-3" data-testid="version-history">
          {versions.map((v) => (
            <li key={v.id} className="flex items-start gap-3 text-sm">
              <Badge
                variant={v.version === current ? "default" : "muted"}
                className="mt-0.5 w-9 justify-center tabular-nums"
              >
                v{v.version}
              </Badge>
              <div className="grid min-w-0 gap-0.5">
                <span>
                  {v.version === 1
                    ? "Created"
                    : v.changed.length
                      ? `Changed ${v.changed.map((c) => CHANGE_LABELS[c] ?? c).join(", ")}`
                      : "Saved"}
                  {v.version === current ? <span className="text-muted-foreground"> · live</span> : null}
                </span>
                <span className="truncate text-xs text-muted-foreground">
                  {formatDateTime(v.createdAt)} UTC{v.createdBy ? ` · ${v.createdBy}` : ""} · text{" "}
                  {v.consentTextHash.slice(0, 8)}
                </span>
              </div>
            </li>
          ))}
        </ol>
      </CardContent>
    </Card>
  );
}

function BuilderSkeleton() {
  return (
    <div className="grid gap-6" role="status" aria-busy="true" aria-label="Loading form">
      <Skeleton className="h-10 w-72" />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,26rem)]">
        <div className="grid gap-6">
          <Skeleton className="h-56" />
          <Skeleton className="h-72" />
        </div>
        <Skeleton className="h-[640px]" />
      </div>
    </div>
  );
}
