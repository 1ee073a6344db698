"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CalendarClockIcon, CopyIcon, FlaskConicalIcon, InfoIcon, SendIcon } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { ArchiveButton } from "@/components/ui/archive-button";
import { BackLink } from "@/components/ui/back-link";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Checkbox } from "@/components/ui/checkbox";
import { FormField } from "@/components/ui/form-field";
import { formErrorsFrom } from "@/components/ui/form-errors";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { PageHeader } from "@/components/ui/page-header";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { Spinner } from "@/components/ui/spinner";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { Textarea } from "@/components/ui/textarea";
import { toast } from "@/components/ui/toaster";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { LoadError } from "@/components/settings/table-states";
import { PreviewContactPicker } from "@/components/templates/template-preview";
import { RichTextEditor } from "@/components/templates/rich-text-editor";
import { AbTestCard } from "./ab-test-card";
import { CampaignAttachmentsCard } from "./campaign-attachments-card";
import { CampaignPreheaderField } from "./campaign-preheader-field";
import { reasonLabel } from "@/components/messages/labels";
import type { TCampaign, TDryRun, TTestSendResult } from "@/server/services/campaigns";
import type { TRenderPreview } from "@/server/services/templates";
import type { Channel } from "@/server/shared/enums";
import { countSmsSegments } from "@/server/shared/sms-segments";
import { CampaignProgress, LIVE_STATUSES } from "./campaign-progress";
import { CampaignReport, type RecipientFilter } from "./campaign-report";
import { CHANNEL_LABELS, DRY_RUN_REASONS, STATUS_LABELS, STATUS_VARIANTS } from "./labels";
import { ScheduleStep } from "./schedule-step";
import { formatUsd, SmsCostBreakdown } from "./sms-cost-breakdown";

const EVERYONE = "__everyone__";
/** Statuses a campaign may be archived from (the server refuses the others). */
const ARCHIVABLE = new Set(["draft", "completed", "cancelled", "failed"]);

interface Draft {
  name: string;
  channel: Channel;
  topic: string;
  segmentId: string;
  exclusionSegmentIds: string[];
  source: "template" | "write";
  templateId: string;
  subject: string;
  preheader: string;
  /** Email body written in the rich-text editor (HTML), and its editor document. */
  html: string;
  doc: unknown;
  text: string;
}

function draftFrom(campaign: TCampaign | undefined): Draft {
  return {
    name: campaign?.name ?? "",
    channel: campaign?.channel ?? "email",
    topic: campaign?.topic ?? "",
    segmentId: campaign?.segmentId ?? EVERYONE,
    exclusionSegmentIds: campaign?.exclusionSegmentIds ?? [],
    source: campaign?.templateId ? "template" : "write",
    templateId: campaign?.templateId ?? "",
    subject: campaign?.content?.subject ?? "",
    preheader: campaign?.content?.preheader ?? "",
    html: campaign?.content?.html ?? "",
    doc: undefined,
    text: campaign?.content?.text ?? "",
  };
}

/** Whether the rich-text body holds anything but empty paragraphs. */
function hasHtml(html: string): boolean {
  return (
    html
      .replace(/<p>\s*<\/p>/g, "")
      .replace(/<[^>]+>/g, "")
      .trim() !== "" || /<img\b/i.test(html)
  );
}

/** A campaign past its draft opens on its progress; a draft (or a new one) on its audience. */
function initialStep(campaign: TCampaign | undefined): string {
  return campaign && campaign.status !== "draft" && campaign.status !== "archived" ? "progress" : "audience";
}

/**
 * The form's identity: it remounts (showing the saved values) when the saved draft changes or the
 * campaign leaves the draft state, not when a live campaign's status, figures or options move
 * (which would throw away what is being typed in the schedule and options forms).
 */
function formKey(campaign: TCampaign | undefined): string {
  if (!campaign) return "new";
  const { id, status, name, topic, kind, segmentId, exclusionSegmentIds, templateId, content } = campaign;
  return JSON.stringify([
    id,
    status === "draft",
    name,
    topic,
    kind,
    segmentId,
    exclusionSegmentIds,
    templateId,
    content,
  ]);
}

/**
 * Creates or edits a campaign in steps: Audience, Content, and once saved, Test (send it to a
 * few addresses), Review (the dry run) and Schedule (send now, later, at each recipient's local
 * time or on a recurring schedule, with the sending options). Once it is scheduled, Progress
 * follows the runs live. Only drafts are edited.
 */
export function CampaignEditor({
  campaignId,
  canEdit,
  isAdmin = false,
}: {
  campaignId?: string;
  canEdit: boolean;
  /** Admins may send outside the frequency caps (legal notices). */
  isAdmin?: boolean;
}) {
  const trpc = useTRPC();
  const campaign = useQuery({
    ...trpc.campaigns.get.queryOptions({ id: campaignId ?? "" }),
    enabled: !!campaignId,
    // Live while it is scheduled or sending: the status moves on its own (started, completed…).
    refetchInterval: (query) => (query.state.data && LIVE_STATUSES.has(query.state.data.status) ? 2000 : false),
  });
  // Kept here so saving (which remounts the form with the saved values) stays on the same step;
  // until a step is chosen, the campaign's status chooses it.
  const [chosenStep, setStep] = React.useState<string | null>(null);
  const step = chosenStep ?? initialStep(campaign.data);

  if (campaignId && campaign.isPending)
    return (
      <div className="grid gap-4">
        <PageHeader eyebrow={<BackLink href="/campaigns">Campaigns</BackLink>} title="Campaign" />
        <Skeleton className="h-64 w-full" />
      </div>
    );
  if (campaignId && campaign.isError)
    return (
      <div className="grid gap-4">
        <PageHeader eyebrow={<BackLink href="/campaigns">Campaigns</BackLink>} title="Campaign" />
        <LoadError message={errorMessage(campaign.error)} onRetry={() => void campaign.refetch()} />
      </div>
    );
  return (
    <EditorBody
      key={formKey(campaign.data)}
      campaign={campaign.data}
      canEdit={canEdit}
      isAdmin={isAdmin}
      step={step}
      setStep={setStep}
    />
  );
}

function EditorBody({
  campaign,
  canEdit,
  isAdmin,
  step: chosenStep,
  setStep,
}: {
  campaign: TCampaign | undefined;
  canEdit: boolean;
  isAdmin: boolean;
  step: string;
  setStep: (step: string) => void;
}) {
  const trpc = useTRPC();
  const fieldId = React.useId();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [draft, setDraft] = React.useState<Draft>(() => draftFrom(campaign));
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  /** The recipients filter the Report's "Show recipients" asks the Progress tab for. */
  const [recipientFilter, setRecipientFilter] = React.useState<RecipientFilter | undefined>(undefined);
  const editable = canEdit && (!campaign || campaign.status === "draft");
  const showTest = !!campaign && canEdit;
  const showSchedule = !!campaign && canEdit && (campaign.status === "draft" || campaign.status === "scheduled");
  const showProgress = !!campaign && campaign.status !== "draft";
  const steps = [
    "audience",
    "content",
    ...(showTest ? ["test"] : []),
    ...(campaign ? ["review"] : []),
    ...(showSchedule ? ["schedule"] : []),
    ...(showProgress ? ["progress", "report"] : []),
  ];
  // A step the campaign no longer offers (Schedule once it sends) falls back to its progress.
  const step = steps.includes(chosenStep) ? chosenStep : showProgress ? "progress" : "audience";
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const topics = useQuery(trpc.topics.list.queryOptions());
  const channelTopics = (topics.data?.items ?? []).filter((t) => !t.archived && t.channels.includes(draft.channel));
  const topic = channelTopics.find((t) => t.key === draft.topic);
  const segments = useQuery(trpc.segments.list.queryOptions({}));
  const segmentItems = (segments.data?.items ?? []).filter((s) => !s.archived);
  const templates = useQuery(trpc.templates.list.queryOptions({ channel: draft.channel }));
  const usableTemplates = (templates.data?.items ?? []).filter(
    (t) => !t.archived && !t.systemKey && t.currentVersionId,
  );

  const invalidate = () => void queryClient.invalidateQueries({ queryKey: trpc.campaigns.pathKey() });
  const onError = (error: unknown) => {
    const { fieldErrors, formError } = formErrorsFrom(error);
    setErrors(fieldErrors);
    toast.error(formError);
  };

  const kind = topic?.kind === "transactional" ? ("transactional" as const) : ("marketing" as const);
  const body = {
    name: draft.name,
    topic: draft.topic,
    kind,
    segmentId: draft.segmentId === EVERYONE ? null : draft.segmentId,
    exclusionSegmentIds: draft.exclusionSegmentIds.filter((id) => id !== draft.segmentId),
    ...(draft.source === "template"
      ? { templateId: draft.templateId || null }
      : {
          content:
            draft.channel === "email"
              ? {
                  subject: draft.subject.trim(),
                  ...(draft.preheader.trim() ? { preheader: draft.preheader.trim() } : {}),
                  // The plain-text part may be left empty: the server derives it from the HTML.
                  text: draft.text,
                  ...(hasHtml(draft.html) ? { html: draft.html } : {}),
                }
              : { text: draft.text },
        }),
  };

  const create = useMutation(
    trpc.campaigns.create.mutationOptions({
      onSuccess: (created) => {
        invalidate();
        toast.success("Draft saved");
        router.push(`/campaigns/${created.id}`);
      },
      onError,
    }),
  );
  const update = useMutation(
    trpc.campaigns.update.mutationOptions({
      onSuccess: () => {
        invalidate();
        setErrors({});
        toast.success("Draft saved");
      },
      onError,
    }),
  );
  const duplicate = useMutation(
    trpc.campaigns.duplicate.mutationOptions({
      onSuccess: (copy) => {
        invalidate();
        toast.success("Copy created");
        router.push(`/campaigns/${copy.id}`);
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );
  const archive = useMutation(
    trpc.campaigns.archive.mutationOptions({
      onSuccess: () => {
        invalidate();
        toast.success("Campaign archived");
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );

  function save(e: React.FormEvent) {
    e.preventDefault();
    // Enter in a field of another step submits this form too: only Audience and Content save.
    if (!editable || (step !== "audience" && step !== "content")) return;
    const missing: Record<string, string> = {};
    if (!draft.name.trim()) missing.name = "Name the campaign";
    if (!draft.topic) missing.topic = "Choose a topic";
    if (draft.source === "template" && !draft.templateId) missing.templateId = "Choose a template";
    if (draft.source === "write" && !draft.text.trim() && !(draft.channel === "email" && hasHtml(draft.html)))
      missing["content.text"] = "Write the message";
    if (draft.source === "write" && draft.channel === "email" && !draft.subject.trim())
      missing["content.subject"] = "Write a subject";
    setErrors(missing);
    if (Object.keys(missing).length > 0) {
      setStep(missing.name || missing.topic ? "audience" : "content");
      return;
    }
    if (campaign) update.mutate({ id: campaign.id, ...body });
    else create.mutate({ ...body, channel: draft.channel });
  }

  const saving = create.isPending || update.isPending;
  const sms = draft.channel === "sms" && draft.source === "write" && draft.text ? countSmsSegments(draft.text) : null;

  return (
    <form onSubmit={save} className="grid gap-6" noValidate>
      <PageHeader
        eyebrow={<BackLink href="/campaigns">Campaigns</BackLink>}
        title={campaign ? campaign.name : "New campaign"}
        description={
          campaign ? (
            <span className="flex items-center gap-2">
              <Badge variant={STATUS_VARIANTS[campaign.status]}>{STATUS_LABELS[campaign.status]}</Badge>
              {CHANNEL_LABELS[campaign.channel]} · topic {campaign.topic}
            </span>
          ) : (
            "Choose who it goes to and what it says; then send yourself a test and run a dry run."
          )
        }
        actions={
          campaign && canEdit ? (
            <>
              <Button type="button" variant="outline" onClick={() => duplicate.mutate({ id: campaign.id })}>
                <CopyIcon />
                Duplicate
              </Button>
              {ARCHIVABLE.has(campaign.status) ? (
                <ArchiveButton
                  archived={false}
                  noun="campaign"
                  restoreLabel="Restore"
                  consequences="It leaves the list of campaigns (Show archived brings it back into view) and can no longer be edited; its messages and history stay."
                  pending={archive.isPending}
                  onConfirm={() => archive.mutate({ id: campaign.id })}
                />
              ) : null}
            </>
          ) : null
        }
      />

      {campaign && campaign.status !== "draft" && (step === "audience" || step === "content") ? (
        <Alert>
          <InfoIcon />
          <AlertTitle>Read only</AlertTitle>
          <AlertDescription>Only drafts can be changed. Duplicate this campaign to edit a copy.</AlertDescription>
        </Alert>
      ) : null}

      <Tabs value={step} onValueChange={setStep}>
        <TabsList>
          <TabsTrigger value="audience">1. Audience</TabsTrigger>
          <TabsTrigger value="content">2. Content</TabsTrigger>
          {campaign && canEdit ? <TabsTrigger value="test">3. Test</TabsTrigger> : null}
          {campaign ? <TabsTrigger value="review">4. Review</TabsTrigger> : null}
          {showSchedule ? <TabsTrigger value="schedule">5. Schedule</TabsTrigger> : null}
          {showProgress ? <TabsTrigger value="progress">Progress</TabsTrigger> : null}
          {showProgress ? <TabsTrigger value="report">Report</TabsTrigger> : null}
        </TabsList>

        <TabsContent value="audience" className="mt-4">
          <Card>
            <CardHeader>
              <CardTitle>Audience</CardTitle>
              <CardDescription>
                A segment, or everyone with an address on the channel. Contacts in an excluded segment are left out; the
                send policy then blocks those without consent.
              </CardDescription>
            </CardHeader>
            <CardContent className="grid gap-4 md:max-w-xl">
              <FormField label="Name" required error={errors.name}>
                <Input value={draft.name} onChange={(e) => set("name", e.target.value)} disabled={!editable} />
              </FormField>
              <FormField id={`${fieldId}-channel`} label="Channel" required>
                <Select
                  value={draft.channel}
                  onValueChange={(value) =>
                    setDraft((d) => ({ ...d, channel: value as Channel, topic: "", templateId: "" }))
                  }
                  disabled={!editable || !!campaign}
                >
                  <SelectTrigger id={`${fieldId}-channel`} className="w-full">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    <SelectItem value="email">Email</SelectItem>
                    <SelectItem value="sms">SMS</SelectItem>
                  </SelectContent>
                </Select>
              </FormField>
              <FormField id={`${fieldId}-topic`} label="Topic" required error={errors.topic}>
                <Select value={draft.topic} onValueChange={(value) => set("topic", value)} disabled={!editable}>
                  <SelectTrigger id={`${fieldId}-topic`} className="w-full">
                    <SelectValue placeholder="Choose a topic" />
                  </SelectTrigger>
                  <SelectContent>
                    {channelTopics.map((t) => (
                      <SelectItem key={t.key} value={t.key}>
                        {t.name} ({t.kind})
                      </SelectItem>
                    ))}
                  </SelectContent>
                </Select>
              </FormField>
              <FormField id={`${fieldId}-segment`} label="Segment" error={errors.segmentId}>
                <Select value={draft.segmentId} onValueChange={(value) => set("segmentId", value)} disabled={!editable}>
                  <SelectTrigger id={`${fieldId}-segment`} className="w-full" data-testid="campaign-segment">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    <SelectItem value={EVERYONE}>Everyone with an address</SelectItem>
                    {segmentItems.map((s) => (
                      <SelectItem key={s.id} value={s.id}>
                        {s.name}
                        {s.count?.status === "ready" && s.count.count !== null
                          ? ` (${s.count.count.toLocaleString()} contacts)`
                          : ""}
                      </SelectItem>
                    ))}
                  </SelectContent>
                </Select>
              </FormField>
              {segmentItems.length > 0 ? (
                <fieldset className="grid gap-2">
                  <legend className="mb-1 text-sm font-medium">Exclude contacts in</legend>
                  {segmentItems
                    .filter((s) => s.id !== draft.segmentId)
                    .map((s) => {
                      const id = `exclude-${s.id}`;
                      const checked = draft.exclusionSegmentIds.includes(s.id);
                      return (
                        <div key={s.id} className="flex items-center gap-2">
                          <Checkbox
                            id={id}
                            checked={checked}
                            disabled={!editable}
                            onCheckedChange={(value) =>
                              set(
                                "exclusionSegmentIds",
                                value
                                  ? [...draft.exclusionSegmentIds, s.id]
                                  : draft.exclusionSegmentIds.filter((x) => x !== s.id),
                              )
                            }
                          />
                          <Label htmlFor={id} className="font-normal">
                            {s.name}
                          </Label>
                        </div>
                      );
                    })}
                  {errors.exclusionSegmentIds ? (
                    <p className="text-sm text-destructive">{errors.exclusionSegmentIds}</p>
                  ) : null}
                </fieldset>
              ) : null}
            </CardContent>
          </Card>
        </TabsContent>

        <TabsContent value="content" className="mt-4 grid gap-4">
          <Card>
            <CardHeader>
              <CardTitle>Content</CardTitle>
              <CardDescription>A saved template for the channel, or a message written here.</CardDescription>
            </CardHeader>
            <CardContent className="grid gap-4 md:grid-cols-2">
              <div className="grid content-start gap-4">
                <Tabs value={draft.source} onValueChange={(value) => set("source", value as Draft["source"])}>
                  <TabsList>
                    <TabsTrigger value="write" disabled={!editable}>
                      Write
                    </TabsTrigger>
                    <TabsTrigger value="template" disabled={!editable}>
                      Template
                    </TabsTrigger>
                  </TabsList>
                  <TabsContent value="template" className="mt-2 grid gap-4">
                    <FormField id={`${fieldId}-template`} label="Template" required error={errors.templateId}>
                      <Select
                        value={draft.templateId}
                        onValueChange={(value) => set("templateId", value)}
                        disabled={!editable}
                      >
                        <SelectTrigger id={`${fieldId}-template`} className="w-full">
                          <SelectValue placeholder="Choose a template" />
                        </SelectTrigger>
                        <SelectContent>
                          {usableTemplates.map((t) => (
                            <SelectItem key={t.id} value={t.id}>
                              {t.name}
                            </SelectItem>
                          ))}
                        </SelectContent>
                      </Select>
                    </FormField>
                  </TabsContent>
                  <TabsContent value="write" className="mt-2 grid gap-4">
                    {draft.channel === "email" ? (
                      <>
                        <FormField label="Subject" required error={errors["content.subject"]}>
                          <Input
                            value={draft.subject}
                            onChange={(e) => set("subject", e.target.value)}
                            disabled={!editable}
                          />
                        </FormField>
                        <CampaignPreheaderField
                          value={draft.preheader}
                          onChange={(value) => set("preheader", value)}
                          disabled={!editable}
                          error={errors["content.preheader"]}
                        />
                        <div className="grid gap-2">
                          <Label id={`${fieldId}-body-label`}>Email body</Label>
                          <div className="rounded-md border">
                            <RichTextEditor
                              aria-label="Email body"
                              initialContent={draft.html}
                              variables={[]}
                              disabled={!editable}
                              invalid={Boolean(errors["content.html"])}
                              onChange={({ html }) => set("html", html)}
                            />
                          </div>
                          <p className="text-xs text-muted-foreground">
                            Links, images by URL, headings and lists. Type Liquid such as {"{{ contact.first_name }}"}{" "}
                            straight into the text.
                          </p>
                        </div>
                      </>
                    ) : null}
                    <FormField
                      label={draft.channel === "email" ? "Plain-text version" : "Message"}
                      required={draft.channel !== "email"}
                      error={errors["content.text"] ?? errors.content}
                      description={
                        sms ? (
                          <span data-testid="sms-counter" aria-live="polite">
                            {sms.units} {sms.encoding === "GSM-7" ? "characters" : "UCS-2 units"} · {sms.encoding} ·{" "}
                            {sms.segments} {sms.segments === 1 ? "segment" : "segments"} ({sms.remaining} left in this
                            one)
                          </span>
                        ) : (
                          "Optional: left empty, it is made from the email body. Use {{ contact.first_name }} and the other variables of templates."
                        )
                      }
                    >
                      <Textarea
                        rows={8}
                        value={draft.text}
                        onChange={(e) => set("text", e.target.value)}
                        disabled={!editable}
                      />
                    </FormField>
                  </TabsContent>
                </Tabs>
              </div>
              <ContentPreview draft={draft} kind={kind} />
            </CardContent>
          </Card>
          {campaign ? (
            <>
              <CampaignAttachmentsCard campaign={campaign} canEdit={canEdit} />
              <AbTestCard campaign={campaign} canEdit={canEdit} />
            </>
          ) : draft.channel === "email" ? (
            <p className="text-sm text-muted-foreground">
              Files and a &ldquo;View in your browser&rdquo; link can be added once the draft is saved.
            </p>
          ) : null}
        </TabsContent>

        {showTest ? (
          <TabsContent value="test" className="mt-4">
            <TestSend campaign={campaign} />
          </TabsContent>
        ) : null}
        {campaign ? (
          <TabsContent value="review" className="mt-4">
            <Review
              campaign={campaign}
              canEdit={canEdit}
              onSchedule={showSchedule ? () => setStep("schedule") : undefined}
            />
          </TabsContent>
        ) : null}
        {campaign && showSchedule ? (
          <TabsContent value="schedule" className="mt-4">
            <ScheduleStep
              campaign={campaign}
              isAdmin={isAdmin}
              onScheduled={() => setStep("progress")}
              onReview={() => setStep("review")}
            />
          </TabsContent>
        ) : null}
        {campaign && showProgress ? (
          <TabsContent value="progress" className="mt-4">
            <CampaignProgress
              campaign={campaign}
              canEdit={canEdit}
              isAdmin={isAdmin}
              recipientFilter={recipientFilter}
            />
          </TabsContent>
        ) : null}
        {campaign && showProgress ? (
          <TabsContent value="report" className="mt-4">
            <CampaignReport
              campaign={campaign}
              onShowRecipients={(filter) => {
                setRecipientFilter(filter);
                setStep("progress");
              }}
            />
          </TabsContent>
        ) : null}
      </Tabs>

      {editable && (step === "audience" || step === "content") ? (
        <div className="flex justify-end">
          <Button type="submit" disabled={saving}>
            {saving ? <Spinner /> : null}
            {campaign ? "Save draft" : "Create draft"}
          </Button>
        </div>
      ) : null}
    </form>
  );
}

/** The content rendered for the sample contact or a chosen contact, as the template editor previews it. */
function ContentPreview({ draft, kind }: { draft: Draft; kind: "marketing" | "transactional" }) {
  const trpc = useTRPC();
  const [contactId, setContactId] = React.useState<string | null>(null);
  const template = useQuery({
    ...trpc.templates.get.queryOptions({ id: draft.templateId }),
    enabled: draft.source === "template" && draft.templateId !== "",
  });
  const input = (() => {
    if (draft.source === "template") {
      const current = template.data?.current;
      if (!template.data || !current) return null;
      return {
        channel: draft.channel,
        category: template.data.category,
        kind,
        defaultLocale: current.defaultLocale,
        variants: current.variants as Record<string, { subject?: string; text?: string; html?: string }>,
        variables: current.variables.map((v) => ({ name: v.name, sample: v.sample ?? "" })),
        ...(contactId ? { contactId } : {}),
      };
    }
    if (!draft.text.trim() && !(draft.channel === "email" && hasHtml(draft.html))) return null;
    return {
      channel: draft.channel,
      category: kind === "transactional" ? ("transactional" as const) : ("promotional" as const),
      kind,
      defaultLocale: "en",
      variants: {
        en:
          draft.channel === "email"
            ? { subject: draft.subject, text: draft.text, ...(hasHtml(draft.html) ? { html: draft.html } : {}) }
            : { text: draft.text },
      },
      ...(draft.channel === "email" && draft.preheader.trim() ? { preheader: draft.preheader.trim() } : {}),
      ...(contactId ? { contactId } : {}),
    };
  })();
  const key = input ? JSON.stringify(input) : null;
  const [preview, setPreview] = React.useState<TRenderPreview | null>(null);
  const { mutate } = useMutation(trpc.templates.preview.mutationOptions());
  const seq = React.useRef(0);
  React.useEffect(() => {
    const mine = ++seq.current;
    if (!key) return;
    const timer = setTimeout(() => {
      mutate(JSON.parse(key) as NonNullable<typeof input>, {
        onSuccess: (answer) => {
          if (mine === seq.current) setPreview(answer);
        },
      });
    }, 300);
    return () => clearTimeout(timer);
  }, [key, mutate]);
  const shown = key ? preview : null;

  return (
    <div className="grid content-start gap-2 rounded-md border bg-muted/30 p-4" aria-live="polite">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm font-medium">Preview</p>
        <PreviewContactPicker value={contactId} onChange={setContactId} />
      </div>
      {!shown ? (
        <p className="text-sm text-muted-foreground">The message appears here as you write it.</p>
      ) : (
        <>
          {shown.subject ? <p className="text-sm font-medium">{shown.subject}</p> : null}
          <pre className="font-sans text-sm whitespace-pre-wrap">{shown.text}</pre>
          {shown.sms ? (
            <p className="text-xs text-muted-foreground">
              Sent as {shown.sms.segments} {shown.sms.segments === 1 ? "segment" : "segments"} ({shown.sms.encoding}),
              footer included
            </p>
          ) : null}
          {shown.problems
            .filter((p) => p.severity === "error")
            .map((p) => (
              <p key={`${p.code}-${p.locale}-${p.message}`} className="text-sm text-destructive">
                {p.message}
              </p>
            ))}
        </>
      )}
    </div>
  );
}

function TestSend({ campaign }: { campaign: TCampaign }) {
  const trpc = useTRPC();
  const [to, setTo] = React.useState("");
  const [error, setError] = React.useState<string | null>(null);
  const [results, setResults] = React.useState<TTestSendResult["results"] | null>(null);
  const send = useMutation(
    trpc.campaigns.testSend.mutationOptions({
      onSuccess: (answer) => {
        setResults(answer.results);
        setError(null);
      },
      onError: (e) => {
        const { fieldErrors, formError } = formErrorsFrom(e);
        setError(fieldErrors.to ?? formError);
      },
    }),
  );
  const addresses = to
    .split(/[\s,;]+/)
    .map((a) => a.trim())
    .filter(Boolean);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Send a test</CardTitle>
        <CardDescription>
          Up to 10 {campaign.channel === "email" ? "email addresses" : "phone numbers"}. Members of this workspace get
          it without a consent check; any other address goes through the same checks as a real send and may be blocked.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4 md:max-w-xl">
        <FormField label="Send to" error={error}>
          <Textarea rows={3} value={to} onChange={(e) => setTo(e.target.value)} />
        </FormField>
        <div>
          <Button
            type="button"
            disabled={addresses.length === 0 || send.isPending}
            onClick={() => send.mutate({ id: campaign.id, to: addresses })}
          >
            {send.isPending ? <Spinner /> : <SendIcon />}
            Send test
          </Button>
        </div>
        {results ? (
          <Table data-testid="test-send-results">
            <TableHeader>
              <TableRow>
                <TableHead>Address</TableHead>
                <TableHead>Result</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {results.map((r, i) => (
                <TableRow key={`${r.to}-${i}`}>
                  <TableCell>
                    {r.to}
                    {r.member ? (
                      <Badge variant="info" className="ml-2">
                        Member
                      </Badge>
                    ) : null}
                  </TableCell>
                  <TableCell className="whitespace-normal">
                    {r.status === "queued"
                      ? "Queued"
                      : r.status === "blocked"
                        ? `Blocked: ${reasonLabel(r.reason) ?? r.reason}`
                        : `Not sent: ${r.reason}`}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        ) : null}
      </CardContent>
    </Card>
  );
}

function Review({
  campaign,
  canEdit,
  onSchedule,
}: {
  campaign: TCampaign;
  canEdit: boolean;
  /** Set while the campaign can be scheduled: the way on to the Schedule step. */
  onSchedule?: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [result, setResult] = React.useState<TDryRun | null>(campaign.lastDryRun);
  const dryRun = useMutation(
    trpc.campaigns.dryRun.mutationOptions({
      onSuccess: (answer) => {
        setResult(answer);
        // The list shows its figures and the Schedule step its summary.
        void queryClient.invalidateQueries({ queryKey: trpc.campaigns.pathKey() });
      },
      onError: (e) => toast.error(errorMessage(e)),
    }),
  );
  const blockedRows = DRY_RUN_REASONS.filter(([reason]) => (result?.blocked[reason] ?? 0) > 0);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Review</CardTitle>
        <CardDescription>
          A dry run counts who the campaign would reach now and why the others would be blocked, without sending
          anything. Run one just before you schedule: a run whose audience (or, for SMS, estimated cost) moved more than
          the drift tolerance since pauses for review.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {canEdit ? (
          <div className="flex flex-wrap gap-2">
            <Button type="button" disabled={dryRun.isPending} onClick={() => dryRun.mutate({ id: campaign.id })}>
              {dryRun.isPending ? <Spinner /> : <FlaskConicalIcon />}
              Run dry run
            </Button>
            {onSchedule ? (
              <Button type="button" variant="outline" onClick={onSchedule}>
                <CalendarClockIcon />
                Continue to scheduling
              </Button>
            ) : null}
          </div>
        ) : null}
        {result ? (
          <Table data-testid="dry-run">
            <TableBody>
              <TableRow>
                <TableHead scope="row">Audience</TableHead>
                <TableCell className="tabular-nums">{result.audience.toLocaleString()}</TableCell>
              </TableRow>
              <TableRow>
                <TableHead scope="row">Sendable</TableHead>
                <TableCell className="tabular-nums">{result.sendable.toLocaleString()}</TableCell>
              </TableRow>
              {blockedRows.map(([reason, label]) => (
                <TableRow key={reason}>
                  <TableHead scope="row">Blocked: {label}</TableHead>
                  <TableCell className="tabular-nums">{(result.blocked[reason] ?? 0).toLocaleString()}</TableCell>
                </TableRow>
              ))}
              {campaign.channel === "sms" ? (
                <>
                  <TableRow>
                    <TableHead scope="row">Deferred by quiet hours</TableHead>
                    <TableCell className="tabular-nums">{result.deferred.toLocaleString()}</TableCell>
                  </TableRow>
                  <TableRow>
                    <TableHead scope="row">SMS segments (estimate)</TableHead>
                    <TableCell className="tabular-nums">{result.smsSegments?.toLocaleString() ?? "—"}</TableCell>
                  </TableRow>
                  <TableRow>
                    <TableHead scope="row">Estimated cost</TableHead>
                    <TableCell className="tabular-nums">
                      {result.estimatedCost ? formatUsd(result.estimatedCost.amount) : "—"}
                    </TableCell>
                  </TableRow>
                </>
              ) : null}
            </TableBody>
          </Table>
        ) : (
          <p className="text-sm text-muted-foreground">No dry run yet.</p>
        )}
        {result && campaign.channel === "sms" && result.estimatedCost ? (
          <SmsCostBreakdown estimate={result.estimatedCost} />
        ) : null}
        {result ? (
          <p className="text-xs text-muted-foreground">Counted {new Date(result.computedAt).toLocaleString()}.</p>
        ) : null}
      </CardContent>
    </Card>
  );
}
