"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  InfoIcon,
  MailIcon,
  MessageSquareIcon,
  PlusIcon,
  ShieldCheckIcon,
  StarIcon,
  Trash2Icon,
  XIcon,
} from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { ArchiveButton } from "@/components/ui/archive-button";
import { BackLink } from "@/components/ui/back-link";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { PageHeader } from "@/components/ui/page-header";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { Spinner } from "@/components/ui/spinner";
import { Textarea } from "@/components/ui/textarea";
import { toast } from "@/components/ui/toaster";
import { fieldError, formErrorsFrom } from "@/components/ui/form-errors";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { LoadError } from "@/components/settings/table-states";
import type { Channel, TemplateCategory } from "@/server/shared/enums";
import { countSmsSegments } from "@/server/shared/sms-segments";
import { CATEGORY_HINTS, CATEGORY_LABELS, CATEGORY_ORDER, slugifyKey } from "./labels";
import { RichTextEditor } from "./rich-text-editor";
import { ComplianceList, MessagePreview, PreviewContactPicker } from "./template-preview";
import { contentOf, starterVariant, type Draft, type VariableDraft, type VariantDraft } from "./template-draft";
import { useTemplateDraft, useTemplatePreview } from "./use-template-editor";
import { VersionHistory } from "./version-history";

const NO_TOPIC = "__none__";
const LOCALE_PATTERN = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export function TemplateEditor({
  templateId,
  brand,
  canEdit,
  initialChannel = "email",
}: {
  templateId?: string;
  brand: string;
  canEdit: boolean;
  initialChannel?: Channel;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { template, draft, setDraft, replaceDraft, activeLocale, setActiveLocale, loadCount } = useTemplateDraft(
    templateId,
    initialChannel,
  );
  const topics = useQuery(trpc.topics.list.queryOptions());
  const [keyTouched, setKeyTouched] = React.useState(false);
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const [contactId, setContactId] = React.useState<string | null>(null);
  const { preview, previewError, previewPending } = useTemplatePreview(draft, activeLocale, contactId);

  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.templates.pathKey() });
  const onError = (error: unknown) => {
    const { fieldErrors, formError } = formErrorsFrom(error);
    setErrors(fieldErrors);
    toast.error(formError);
  };
  const create = useMutation(
    trpc.templates.create.mutationOptions({
      onSuccess: (created) => {
        toast.success("Template created");
        void invalidate();
        router.push(`/templates/${created.id}`);
      },
      onError,
    }),
  );
  const update = useMutation(
    trpc.templates.update.mutationOptions({
      onSuccess: (saved) => {
        toast.success(
          saved.currentVersion === template.data?.currentVersion ? "Saved" : `Saved as version ${saved.currentVersion}`,
        );
        queryClient.setQueryData(trpc.templates.get.queryKey({ id: saved.id }), saved);
        void invalidate();
      },
      onError,
    }),
  );
  const restore = useMutation(
    trpc.templates.restore.mutationOptions({
      onSuccess: (saved) => {
        toast.success(`Version ${saved.current?.restoredFromVersion} restored as version ${saved.currentVersion}`);
        queryClient.setQueryData(trpc.templates.get.queryKey({ id: saved.id }), saved);
        void invalidate();
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );
  const archive = useMutation(
    trpc.templates.archive.mutationOptions({
      onSuccess: (saved) => {
        toast.success(saved.archived ? "Template archived: it can no longer be sent" : "Template restored");
        queryClient.setQueryData(trpc.templates.get.queryKey({ id: saved.id }), saved);
        void invalidate();
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );

  if (templateId && template.isError) {
    return (
      <>
        <PageHeader eyebrow={<BackLink href="/templates">Templates</BackLink>} title="Template" />
        <LoadError message={errorMessage(template.error)} onRetry={() => void template.refetch()} />
      </>
    );
  }
  if (!draft) return <EditorSkeleton />;

  const saved = template.data;
  const saving = create.isPending || update.isPending;
  const readOnly = !canEdit;
  const locales = Object.keys(draft.variants);
  const locale = Object.hasOwn(draft.variants, activeLocale) ? activeLocale : draft.defaultLocale;
  const variant = draft.variants[locale]!;
  const patch = (p: Partial<Draft>) => setDraft((d) => (d ? { ...d, ...p } : d));
  const patchVariant = (p: Partial<VariantDraft>) =>
    setDraft((d) => (d ? { ...d, variants: { ...d.variants, [locale]: { ...d.variants[locale]!, ...p } } } : d));
  const topicItems = (topics.data?.items ?? []).filter((t) => t.channels.includes(draft.channel) && !t.archived);
  const blocking = preview?.canSave === false;
  const declaredNames = draft.variables.map((v) => v.name.trim()).filter(Boolean);
  const variantError = (field: keyof VariantDraft) => fieldError(errors, `content.variants.${locale}.${field}`);
  const localesWithErrors = locales.filter((l) => fieldError(errors, `content.variants.${l}`) !== undefined);
  const contentError = errors["content.variants"] ?? errors["content.defaultLocale"] ?? errors["content"];

  const save = (event: React.FormEvent) => {
    event.preventDefault();
    setErrors({});
    if (blocking) {
      toast.error("Fix the problems listed under Compliance before saving");
      return;
    }
    const content = contentOf(draft);
    if (templateId)
      update.mutate({ id: templateId, name: draft.name, category: draft.category, topicKey: draft.topicKey, content });
    else
      create.mutate({
        key: draft.key,
        name: draft.name,
        channel: draft.channel,
        category: draft.category,
        topicKey: draft.topicKey,
        content,
      });
  };

  return (
    <form onSubmit={save} className="grid gap-6" aria-busy={saving}>
      <PageHeader
        eyebrow={<BackLink href="/templates">Templates</BackLink>}
        title={
          <span className="flex flex-wrap items-center gap-2">
            {templateId ? draft.name || "Untitled template" : "New template"}
            {saved ? <Badge variant="muted">v{saved.currentVersion}</Badge> : null}
            {saved?.archived ? <Badge variant="warning">Archived</Badge> : null}
          </span>
        }
        description={
          templateId
            ? "Each save that changes the content creates a new version; messages keep the version they were sent from."
            : "Write the message once, personalise it with Liquid, and add translations. It is checked for compliance on every save and before every send."
        }
        actions={
          <>
            {saved && canEdit ? (
              <ArchiveButton
                archived={saved.archived}
                pending={archive.isPending}
                onConfirm={() => archive.mutate({ id: saved.id, archived: !saved.archived })}
                noun="template"
                restoreLabel="Unarchive"
                consequences="Sends that name it are refused from now on. Its versions, and the messages sent from them, are kept. You can unarchive it later."
              />
            ) : null}
            {canEdit ? (
              <Button type="submit" disabled={saving}>
                {saving ? <Spinner className="text-current" /> : null}
                {templateId ? "Save changes" : "Create template"}
              </Button>
            ) : null}
          </>
        }
      />

      {readOnly ? (
        <Alert>
          <InfoIcon />
          <AlertTitle>View only</AlertTitle>
          <AlertDescription>Marketers, admins and owners can change templates.</AlertDescription>
        </Alert>
      ) : null}

      <div className="grid items-start gap-6 lg:grid-cols-[minmax(0,1fr)_22rem] xl:grid-cols-[minmax(0,1fr)_26rem] 2xl:grid-cols-[minmax(0,1fr)_32rem]">
        <div className="grid min-w-0 gap-6">
          <fieldset disabled={readOnly || saving} className="grid min-w-0 gap-6">
            <Card>
              <CardHeader>
                <CardTitle>Basics</CardTitle>
                <CardDescription>
                  The name is for your team; the key is how the API and automations refer to the template.
                </CardDescription>
              </CardHeader>
              <CardContent className="grid gap-4">
                {!templateId ? (
                  <div className="grid gap-2">
                    <span className="text-sm font-medium">Channel</span>
                    <div className="grid grid-cols-2 gap-2" role="radiogroup" aria-label="Channel">
                      {(["email", "sms"] as const).map((c) => {
                        const Icon = c === "email" ? MailIcon : MessageSquareIcon;
                        const active = draft.channel === c;
                        return (
                          <button
                            key={c}
                            type="button"
                            role="radio"
                            aria-checked={active}
                            onClick={() => {
                              if (active) return;
                              replaceDraft({
                                ...draft,
                                channel: c,
                                topicKey: null,
                                defaultLocale: "en",
                                variants: { en: starterVariant(c) },
                              });
                            }}
                            className={cn(
                              "flex items-center gap-2.5 rounded-lg border p-3 text-left text-sm transition-colors",
                              active ? "border-primary bg-primary/5 ring-1 ring-primary" : "hover:bg-muted/50",
                            )}
                          >
                            <Icon className="size-4 text-muted-foreground" />
                            <span className="grid">
                              <span className="font-medium">{c === "email" ? "Email" : "SMS"}</span>
                              <span className="text-xs text-muted-foreground">
                                {c === "email" ? "Rich text in a branded layout" : "Plain text, billed per segment"}
                              </span>
                            </span>
                          </button>
                        );
                      })}
                    </div>
                  </div>
                ) : null}
                <div className="grid gap-4 sm:grid-cols-2">
                  <FormField label="Name" required error={fieldError(errors, "name")}>
                    <Input
                      value={draft.name}
                      maxLength={100}
                      placeholder="Order shipped"
                      onChange={(e) =>
                        patch({
                          name: e.target.value,
                          ...(!templateId && !keyTouched ? { key: slugifyKey(e.target.value) } : {}),
                        })
                      }
                    />
                  </FormField>
                  <FormField
                    label="Key"
                    required
                    error={fieldError(errors, "key")}
                    description={templateId ? "Fixed once created." : "Letters, digits, - and _."}
                  >
                    <Input
                      value={draft.key}
                      maxLength={64}
                      readOnly={Boolean(templateId)}
                      className="font-mono text-sm"
                      placeholder="order_shipped"
                      onChange={(e) => {
                        setKeyTouched(true);
                        patch({ key: e.target.value });
                      }}
                    />
                  </FormField>
                </div>
                <div className="grid gap-4 sm:grid-cols-2">
                  <FormField label="Category" description={CATEGORY_HINTS[draft.category]}>
                    <Select value={draft.category} onValueChange={(v) => patch({ category: v as TemplateCategory })}>
                      <SelectTrigger aria-label="Category">
                        <SelectValue />
                      </SelectTrigger>
                      <SelectContent>
                        {CATEGORY_ORDER.map((c) => (
                          <SelectItem key={c} value={c}>
                            {CATEGORY_LABELS[c]}
                          </SelectItem>
                        ))}
                      </SelectContent>
                    </Select>
                  </FormField>
                  <FormField
                    label="Usual topic"
                    error={fieldError(errors, "topicKey")}
                    description="The consent topic it is normally sent for."
                  >
                    <Select
                      value={draft.topicKey ?? NO_TOPIC}
                      onValueChange={(v) => patch({ topicKey: v === NO_TOPIC ? null : v })}
                    >
                      <SelectTrigger aria-label="Usual topic">
                        <SelectValue />
                      </SelectTrigger>
                      <SelectContent>
                        <SelectItem value={NO_TOPIC}>No topic</SelectItem>
                        {topicItems.map((t) => (
                          <SelectItem key={t.id} value={t.key}>
                            {t.name}
                          </SelectItem>
                        ))}
                      </SelectContent>
                    </Select>
                  </FormField>
                </div>
              </CardContent>
            </Card>

            <VariablesCard variables={draft.variables} errors={errors} onChange={(variables) => patch({ variables })} />

            <Card>
              <CardHeader>
                <CardTitle>Content</CardTitle>
                <CardDescription>
                  One version per locale; a contact gets their locale, or the same language, or the default (
                  {draft.defaultLocale}). Liquid works everywhere:{" "}
                  <code className="text-xs">{'{{ contact.first_name | default: "there" }}'}</code>,{" "}
                  <code className="text-xs">{"{% if %}"}</code>, <code className="text-xs">{"{% for %}"}</code>.
                </CardDescription>
              </CardHeader>
              <CardContent className="grid gap-4">
                <LocaleBar
                  locales={locales}
                  withErrors={localesWithErrors}
                  active={locale}
                  defaultLocale={draft.defaultLocale}
                  onSelect={setActiveLocale}
                  onAdd={(l) => {
                    setDraft({
                      ...draft,
                      variants: { ...draft.variants, [l]: { ...draft.variants[draft.defaultLocale]! } },
                    });
                    setActiveLocale(l);
                  }}
                  onRemove={() => {
                    const { [locale]: _removed, ...rest } = draft.variants;
                    void _removed;
                    setDraft({ ...draft, variants: rest });
                    setActiveLocale(draft.defaultLocale);
                  }}
                  onMakeDefault={() => patch({ defaultLocale: locale })}
                />
                {contentError ? (
                  <p role="alert" className="text-xs font-medium text-destructive">
                    {contentError}
                  </p>
                ) : null}
                {draft.channel === "email" ? (
                  <>
                    <FormField label="Subject" required error={variantError("subject")}>
                      <Input
                        value={variant.subject}
                        maxLength={500}
                        onChange={(e) => patchVariant({ subject: e.target.value })}
                        placeholder="Your order {{ order_id }} is on its way"
                      />
                    </FormField>
                    <div className="grid gap-2">
                      <span className="text-sm font-medium" id="body-label">
                        Body
                      </span>
                      <RichTextEditor
                        invalid={Boolean(variantError("html") ?? variantError("doc"))}
                        aria-describedby="body-error"
                        key={`${locale}-${loadCount}`}
                        aria-label={`Email body (${locale})`}
                        initialContent={variant.doc ?? variant.html}
                        variables={declaredNames}
                        disabled={readOnly || saving}
                        onChange={({ html, doc }) => patchVariant({ html, doc })}
                      />
                      <p className="text-xs text-muted-foreground">
                        The layout adds your brand, and a footer with the unsubscribe link, preference link and postal
                        address. A plain-text version is made from the body.
                      </p>
                      {variantError("html") || variantError("doc") ? (
                        <p id="body-error" role="alert" className="text-xs font-medium text-destructive">
                          {variantError("html") ?? variantError("doc")}
                        </p>
                      ) : null}
                    </div>
                  </>
                ) : (
                  <SmsBody
                    value={variant.text}
                    error={variantError("text")}
                    onChange={(text) => patchVariant({ text })}
                    locale={locale}
                  />
                )}
              </CardContent>
            </Card>
          </fieldset>
          {saved ? (
            <VersionHistory
              versions={saved.versions}
              current={saved.currentVersion}
              channel={saved.channel}
              category={saved.category}
              brand={brand}
              canEdit={canEdit && !saved.archived}
              restoring={restore.isPending}
              onRestore={(version) => restore.mutate({ id: saved.id, version })}
            />
          ) : null}
        </div>

        <div className="grid min-w-0 gap-6 lg:sticky lg:top-6">
          <Card className="gap-4">
            <CardHeader className="flex flex-row flex-wrap items-center justify-between gap-2">
              <CardTitle>
                Preview
                {locales.length > 1 ? (
                  <span className="font-normal text-muted-foreground"> · {preview?.locale ?? locale}</span>
                ) : null}
              </CardTitle>
              <PreviewContactPicker value={contactId} onChange={setContactId} />
            </CardHeader>
            <CardContent>
              {previewError ? <p className="mb-2 text-sm text-destructive">{previewError}</p> : null}
              <MessagePreview channel={draft.channel} brand={brand} preview={preview} pending={previewPending} />
            </CardContent>
          </Card>
          <Card className="gap-4" data-testid="compliance-card">
            <CardHeader>
              <CardTitle className="flex items-center gap-2">
                <ShieldCheckIcon className="size-4 text-muted-foreground" />
                Compliance
              </CardTitle>
              <CardDescription>
                {draft.category === "promotional"
                  ? "Marketing rules apply to this template."
                  : "Checked as a non-marketing message; a marketing send still adds the marketing checks."}
              </CardDescription>
            </CardHeader>
            <CardContent>
              <ComplianceList
                problems={preview?.problems ?? []}
                checked={preview !== undefined}
                multiLocale={locales.length > 1}
              />
              {blocking ? (
                <p className="mt-3 text-xs font-medium text-destructive">
                  Saving is blocked until the errors are fixed.
                </p>
              ) : null}
            </CardContent>
          </Card>
        </div>
      </div>
    </form>
  );
}

function SmsBody({
  value,
  error,
  onChange,
  locale,
}: {
  value: string;
  error?: string;
  onChange: (text: string) => void;
  locale: string;
}) {
  const info = countSmsSegments(value);
  return (
    <FormField
      label="Message"
      required
      error={error}
      description={
        <span
          className="flex flex-wrap items-center justify-between gap-x-3 gap-y-1"
          data-testid="sms-counter"
          aria-live="polite"
        >
          <span>
            {info.units} {info.encoding === "GSM-7" ? "characters" : "UCS-2 units"} · {info.encoding} · {info.segments}{" "}
            segment{info.segments === 1 ? "" : "s"} · {info.remaining} left in this segment
          </span>
          {info.encoding === "UCS-2" ? (
            <span className="text-warning">Emoji or special characters: 70 per segment instead of 160</span>
          ) : null}
        </span>
      }
    >
      <Textarea
        value={value}
        onChange={(e) => onChange(e.target.value)}
        rows={6}
        maxLength={1600}
        aria-label={`SMS text (${locale})`}
        className="font-mono text-sm"
      />
    </FormField>
  );
}

function VariablesCard({
  variables,
  errors,
  onChange,
}: {
  variables: VariableDraft[];
  /** Field errors of the save, keyed `content.variables.<i>.<field>`. */
  errors: Record<string, string>;
  onChange: (variables: VariableDraft[]) => void;
}) {
  const set = (i: number, p: Partial<VariableDraft>) =>
    onChange(variables.map((v, j) => (j === i ? { ...v, ...p } : v)));
  return (
    <Card>
      <CardHeader>
        <CardTitle>Variables</CardTitle>
        <CardDescription>
          Values the sender passes, such as <code className="text-xs">{"{{ order_id }}"}</code>. The sample is used by
          the preview and the check. Contact fields and <code className="text-xs">{"{{ workspace.name }}"}</code> need
          no declaration.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-3">
        {variables.length === 0 ? <p className="text-sm text-muted-foreground">No variables yet.</p> : null}
        {errors["content.variables"] ? (
          <p role="alert" className="text-xs font-medium text-destructive">
            {errors["content.variables"]}
          </p>
        ) : null}
        {variables.map((v, i) => (
          <div
            key={i}
            className="grid gap-2 rounded-lg border p-3 sm:grid-cols-[minmax(0,12rem)_minmax(0,1fr)_auto] sm:items-end"
            data-testid="variable-row"
          >
            <FormField label="Name" error={fieldError(errors, `content.variables.${i}.name`)}>
              <Input
                value={v.name}
                maxLength={64}
                className="font-mono text-sm"
                placeholder="order_id"
                onChange={(e) => set(i, { name: e.target.value })}
              />
            </FormField>
            <FormField label="Sample value" error={fieldError(errors, `content.variables.${i}.sample`)}>
              <Input
                value={v.sample}
                maxLength={2000}
                placeholder="A-1001"
                onChange={(e) => set(i, { sample: e.target.value })}
              />
            </FormField>
            <Button
              type="button"
              variant="ghost"
              size="icon"
              aria-label={`Remove variable ${v.name || i + 1}`}
              onClick={() => onChange(variables.filter((_, j) => j !== i))}
              className="justify-self-end"
            >
              <Trash2Icon />
            </Button>
          </div>
        ))}
        <div>
          <Button
            type="button"
            variant="outline"
            size="sm"
            onClick={() => onChange([...variables, { name: "", sample: "" }])}
            disabled={variables.length >= 50}
          >
            <PlusIcon />
            Add variable
          </Button>
        </div>
      </CardContent>
    </Card>
  );
}

function LocaleBar({
  locales,
  withErrors,
  active,
  defaultLocale,
  onSelect,
  onAdd,
  onRemove,
  onMakeDefault,
}: {
  locales: string[];
  /** Locales whose content the last save refused: marked on their tab. */
  withErrors: string[];
  active: string;
  defaultLocale: string;
  onSelect: (locale: string) => void;
  onAdd: (locale: string) => void;
  onRemove: () => void;
  onMakeDefault: () => void;
}) {
  const [adding, setAdding] = React.useState(false);
  const [value, setValue] = React.useState("");
  const trimmed = value.trim();
  const valid = LOCALE_PATTERN.test(trimmed) && !locales.some((l) => l.toLowerCase() === trimmed.toLowerCase());
  const add = () => {
    if (!valid) return;
    onAdd(trimmed);
    setValue("");
    setAdding(false);
  };
  return (
    <div className="grid gap-2">
      <div className="flex flex-wrap items-center gap-2">
        <div
          className="flex flex-wrap items-center gap-1 rounded-lg bg-muted p-[3px]"
          role="tablist"
          aria-label="Locales"
        >
          {locales.map((l) => (
            <button
              key={l}
              type="button"
              role="tab"
              aria-selected={l === active}
              onClick={() => onSelect(l)}
              className={cn(
                "inline-flex h-7 items-center gap-1 rounded-md px-2.5 text-sm font-medium text-muted-foreground transition-colors hover:text-foreground",
                l === active && "bg-background text-foreground shadow-sm",
              )}
            >
              {l}
              {withErrors.includes(l) ? (
                <span className="size-1.5 rounded-full bg-destructive">
                  <span className="sr-only">(has errors)</span>
                </span>
              ) : null}
              {l === defaultLocale ? (
                <StarIcon className="size-3 fill-current text-warning" aria-label="default" />
              ) : null}
            </button>
          ))}
        </div>
        {adding ? (
          <div className="flex items-center gap-1">
            <Input
              autoFocus
              value={value}
              onChange={(e) => setValue(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter") {
                  e.preventDefault();
                  add();
                } else if (e.key === "Escape") setAdding(false);
              }}
              placeholder="fr or pt-BR"
              aria-label="New locale"
              aria-invalid={trimmed !== "" && !valid}
              className="h-8 w-28"
            />
            <Button type="button" size="sm" onClick={add} disabled={!valid}>
              Add
            </Button>
            <Button type="button" size="icon-sm" variant="ghost" aria-label="Cancel" onClick={() => setAdding(false)}>
              <XIcon />
            </Button>
          </div>
        ) : (
          <Button
            type="button"
            size="sm"
            variant="ghost"
            onClick={() => setAdding(true)}
            disabled={locales.length >= 20}
          >
            <PlusIcon />
            Add locale
          </Button>
        )}
        {active !== defaultLocale ? (
          <div className="flex items-center gap-1 sm:ml-auto">
            <Button type="button" size="sm" variant="ghost" onClick={onMakeDefault}>
              <StarIcon />
              Make default
            </Button>
            <Button
              type="button"
              size="sm"
              variant="ghost"
              onClick={onRemove}
              className="text-destructive hover:text-destructive"
            >
              <Trash2Icon />
              Remove {active}
            </Button>
          </div>
        ) : null}
      </div>
      {adding && trimmed !== "" && !valid ? (
        <p className="text-xs text-destructive">Use a locale code such as fr, es-MX or pt-BR that is not there yet.</p>
      ) : null}
    </div>
  );
}

function EditorSkeleton() {
  return (
    <div className="grid gap-6" role="status" aria-busy="true" aria-label="Loading template">
      <Skeleton className="h-10 w-72" />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,26rem)]">
        <div className="grid gap-6">
          <Skeleton className="h-56" />
          <Skeleton className="h-80" />
        </div>
        <Skeleton className="h-[560px]" />
      </div>
    </div>
  );
}
