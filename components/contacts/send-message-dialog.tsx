"use client";

import * as React from "react";
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CircleCheckIcon, CircleSlashIcon, SendIcon } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Spinner } from "@/components/ui/spinner";
import { Tabs, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { formErrorsFrom } from "@/components/ui/form-errors";
import { Textarea } from "@/components/ui/textarea";
import { toast } from "@/components/ui/toaster";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { EmailFrame } from "@/components/messages/email-frame";
import { reasonLabel } from "@/components/messages/labels";
import { countSmsSegments } from "@/server/shared/sms-segments";
import { CHANNEL_META, type Channel } from "./labels";
import type { TRenderPreview } from "@/server/services/templates";
import type { ConsentCell } from "./types";

type Source = "template" | "write";

/** What a blocked send means for the person sending it, in one sentence. */
const BLOCK_EXPLANATIONS: Record<string, string> = {
  no_consent: "This contact has not opted in to this topic on this channel.",
  opted_out: "This contact opted out of this topic on this channel.",
  suppressed: "This address is on the suppression list (a bounce, complaint or STOP).",
  quiet_hours: "It is outside the contact's allowed sending hours; try again later.",
  frequency_cap: "This contact has already had as many marketing messages as the frequency cap allows.",
  invalid_address: "The contact's address for this channel is not valid.",
  erased: "This contact was erased.",
};

function consentLine(cell: ConsentCell): string {
  if (cell.topic.kind === "transactional") return "transactional: sent without marketing consent";
  if (cell.state?.status === "opted_in") return "opted in";
  if (cell.state?.status === "opted_out") return "opted out: will be blocked";
  if (cell.state?.status === "pending") return "waiting for confirmation: will be blocked";
  return "no consent: will be blocked";
}

/**
 * "Send message" on a contact's page: one message through the same pipeline as the API (consent,
 * suppression, quiet hours and caps decide), from a template or written here, with a preview
 * rendered for this contact. A blocked send is recorded and explained, never delivered.
 */
export function SendMessageDialog({
  open,
  onOpenChange,
  ...props
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  contactId: string;
  contactName: string;
  cells: ConsentCell[];
  channelsWithAddress: Channel[];
}) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent className="max-h-[calc(100vh-2rem)] overflow-y-auto sm:max-w-3xl">
        {/* Mounted while open only: every opening starts afresh, with a new idempotency key. */}
        {open ? <SendMessageForm {...props} onClose={() => onOpenChange(false)} /> : null}
      </DialogContent>
    </Dialog>
  );
}

function SendMessageForm({
  contactId,
  contactName,
  cells,
  channelsWithAddress,
  onClose,
}: {
  contactId: string;
  contactName: string;
  cells: ConsentCell[];
  channelsWithAddress: Channel[];
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const fieldId = React.useId();
  const queryClient = useQueryClient();
  const [channel, setChannel] = React.useState<Channel>(channelsWithAddress[0] ?? "email");
  const [chosenTopicKey, setTopicKey] = React.useState<string>("");
  const [source, setSource] = React.useState<Source>("template");
  const [chosenTemplateId, setTemplateId] = React.useState<string>("");
  const [subject, setSubject] = React.useState("");
  const [text, setText] = React.useState("");
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const clearError = (field: string) =>
    setErrors((current) => {
      if (!(field in current)) return current;
      const { [field]: _, ...rest } = current;
      return rest;
    });
  const [result, setResult] = React.useState<{ messageId: string; status: string; reason?: string } | null>(null);
  // One key per opening: a double click or a retried request never sends twice.
  const [idempotencyKey] = React.useState(() => crypto.randomUUID());

  // Topics the contact opted in to first, then transactional ones, then those that would be blocked.
  const rank = (cell: ConsentCell) =>
    cell.state?.status === "opted_in" ? 0 : cell.topic.kind === "transactional" ? 1 : 2;
  const topics = cells
    .filter((cell) => cell.channel === channel && !cell.topic.archived)
    .sort((a, b) => rank(a) - rank(b));
  // The chosen topic while the channel offers it, else the channel's first.
  const topic = topics.find((cell) => cell.topic.key === chosenTopicKey) ?? topics[0] ?? null;
  const topicKey = topic?.topic.key ?? "";

  const templates = useQuery({
    ...trpc.templates.list.queryOptions({ channel }),
  });
  const usable = (templates.data?.items ?? []).filter((t) => !t.archived && !t.systemKey && t.currentVersionId);
  const templateId = usable.some((t) => t.id === chosenTemplateId) ? chosenTemplateId : "";

  const template = useQuery({
    ...trpc.templates.get.queryOptions({ id: templateId }),
    enabled: source === "template" && templateId !== "",
  });

  const kind = topic?.topic.kind ?? "marketing";
  const previewInput = (() => {
    if (source === "template") {
      const current = template.data?.current;
      if (!template.data || !current) return null;
      return {
        channel,
        category: template.data.category,
        kind,
        defaultLocale: current.defaultLocale,
        variants: current.variants as Record<string, { subject?: string; text?: string; html?: string }>,
        variables: current.variables.map((v) => ({ name: v.name, sample: v.sample ?? "" })),
        contactId,
      };
    }
    if (!text.trim()) return null;
    return {
      channel,
      category: kind === "transactional" ? ("transactional" as const) : ("promotional" as const),
      kind,
      defaultLocale: "en",
      variants: { en: channel === "email" ? { subject, text } : { text } },
      contactId,
    };
  })();
  const previewKey = previewInput ? JSON.stringify(previewInput) : null;
  const [preview, setPreview] = React.useState<TRenderPreview | null>(null);
  const [previewError, setPreviewError] = React.useState<string | null>(null);
  const { mutate: runPreview, isPending: previewPending } = useMutation(trpc.templates.preview.mutationOptions());
  const previewSeq = React.useRef(0);
  React.useEffect(() => {
    const seq = ++previewSeq.current;
    if (!previewKey) return;
    const input = JSON.parse(previewKey) as NonNullable<typeof previewInput>;
    // Rendered shortly after the last change; a late answer never replaces a newer one.
    const timer = setTimeout(() => {
      runPreview(input, {
        onSuccess: (answer) => {
          if (seq !== previewSeq.current) return;
          setPreview(answer);
          setPreviewError(null);
        },
        onError: (error) => {
          if (seq === previewSeq.current) setPreviewError(errorMessage(error));
        },
      });
    }, 300);
    return () => clearTimeout(timer);
  }, [previewKey, runPreview]);
  const shownPreview = previewInput ? preview : null;

  const send = useMutation(
    trpc.messages.send.mutationOptions({
      onSuccess: (answer) => {
        setResult(answer);
        setErrors({});
        void queryClient.invalidateQueries({ queryKey: trpc.messageHistory.pathKey() });
        if (answer.status !== "blocked") toast.success("Message queued");
      },
      onError: (error) => {
        const { fieldErrors, formError } = formErrorsFrom(error);
        setErrors(fieldErrors);
        toast.error(formError);
      },
    }),
  );

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const missing: Record<string, string> = {};
    if (!topicKey) missing.topic = "Topic is required";
    if (source === "template" && !templateId) missing.templateId = "Template is required";
    if (source === "write" && !text.trim()) missing.text = "Message is required";
    if (source === "write" && channel === "email" && !subject.trim()) missing.subject = "Subject is required";
    setErrors(missing);
    if (Object.keys(missing).length > 0) return;
    send.mutate({
      contactId,
      channel,
      topic: topicKey,
      kind,
      idempotencyKey: `ui-${idempotencyKey}`,
      ...(source === "template"
        ? { templateId }
        : { content: channel === "email" ? { subject: subject.trim(), text } : { text } }),
    });
  }

  const segments = channel === "sms" && source === "write" && text ? countSmsSegments(text) : null;
  const channelLabel = channel === "email" ? "email" : "text message";

  return (
    <>
      <DialogHeader>
        <DialogTitle>Send a message to {contactName}</DialogTitle>
        <DialogDescription>
          Sent through the same checks as every message: consent for the topic, suppressions, quiet hours and frequency
          caps. If one of them says no, the message is recorded as blocked and not sent.
        </DialogDescription>
      </DialogHeader>

      {result ? (
        <div className="grid gap-4">
          {result.status === "blocked" ? (
            <Alert variant="destructive">
              <CircleSlashIcon />
              <AlertTitle>Not sent: {reasonLabel(result.reason) ?? "blocked"}</AlertTitle>
              <AlertDescription>
                {(result.reason && BLOCK_EXPLANATIONS[result.reason]) ?? "The consent policy refused this message."} It
                is recorded in the contact&apos;s messages with the decision.
              </AlertDescription>
            </Alert>
          ) : (
            <Alert>
              <CircleCheckIcon />
              <AlertTitle>Message queued</AlertTitle>
              <AlertDescription>
                It is on its way by {channelLabel}; its status follows on the message page.
              </AlertDescription>
            </Alert>
          )}
          <DialogFooter>
            <Button variant="outline" asChild>
              <Link href={`/messages/${result.messageId}`}>Open the message</Link>
            </Button>
            <Button onClick={onClose}>Done</Button>
          </DialogFooter>
        </div>
      ) : (
        <form noValidate onSubmit={submit} className="grid gap-5 md:grid-cols-2">
          <div className="grid content-start gap-4">
            <FormField id={`${fieldId}-channel`} label="Channel" required>
              <Select value={channel} onValueChange={(value) => setChannel(value as Channel)}>
                <SelectTrigger className="w-full" id={`${fieldId}-channel`}>
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  {channelsWithAddress.map((c) => (
                    <SelectItem key={c} value={c}>
                      {CHANNEL_META[c].label}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </FormField>
            <FormField
              id={`${fieldId}-topic`}
              label="Topic"
              required
              error={errors.topic}
              description={topic ? `This contact: ${consentLine(topic)}.` : "No topic is offered on this channel."}
            >
              <Select value={topicKey} onValueChange={setTopicKey} disabled={topics.length === 0}>
                <SelectTrigger className="w-full" id={`${fieldId}-topic`}>
                  <SelectValue placeholder="Choose a topic" />
                </SelectTrigger>
                <SelectContent>
                  {topics.map((cell) => (
                    <SelectItem key={cell.topic.key} value={cell.topic.key}>
                      {cell.topic.name}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </FormField>
            <Tabs value={source} onValueChange={(value) => setSource(value as Source)}>
              <TabsList aria-label="Content">
                <TabsTrigger value="template">From a template</TabsTrigger>
                <TabsTrigger value="write">Write it here</TabsTrigger>
              </TabsList>
            </Tabs>
            {source === "template" ? (
              <FormField
                id={`${fieldId}-template`}
                label="Template"
                required
                error={errors.templateId}
                description={
                  templates.isSuccess && usable.length === 0
                    ? `No ${channelLabel} template yet: write the message here, or create one under Templates.`
                    : undefined
                }
              >
                <Select
                  value={templateId}
                  onValueChange={(value) => {
                    setTemplateId(value);
                    clearError("templateId");
                  }}
                  disabled={usable.length === 0}
                >
                  <SelectTrigger className="w-full" id={`${fieldId}-template`}>
                    <SelectValue placeholder={templates.isPending ? "Loading templates…" : "Choose a template"} />
                  </SelectTrigger>
                  <SelectContent>
                    {usable.map((t) => (
                      <SelectItem key={t.id} value={t.id}>
                        {t.name}
                      </SelectItem>
                    ))}
                  </SelectContent>
                </Select>
              </FormField>
            ) : (
              <>
                {channel === "email" ? (
                  <FormField label="Subject" required error={errors.subject}>
                    <Input
                      value={subject}
                      onChange={(e) => {
                        setSubject(e.target.value);
                        clearError("subject");
                      }}
                      maxLength={500}
                    />
                  </FormField>
                ) : null}
                <FormField
                  label="Message"
                  required
                  error={errors.text}
                  description={
                    segments
                      ? `${segments.units} characters · ${segments.segments} SMS segment${segments.segments === 1 ? "" : "s"} (${segments.encoding === "GSM-7" ? "GSM-7" : "Unicode"})`
                      : "Liquid merge fields work here, e.g. {{ contact.first_name }}."
                  }
                >
                  <Textarea
                    value={text}
                    onChange={(e) => {
                      setText(e.target.value);
                      clearError("text");
                    }}
                    rows={6}
                    maxLength={20_000}
                  />
                </FormField>
              </>
            )}
          </div>

          <section aria-label="Preview" className="grid content-start gap-2">
            <h3 className="text-sm font-medium">Preview for this contact</h3>
            <div className="min-h-48 rounded-lg border bg-muted/30 p-3 text-sm">
              {!previewInput ? (
                <p className="text-muted-foreground">Choose a template or write a message to see it here.</p>
              ) : previewPending && !shownPreview ? (
                <p className="flex items-center gap-2 text-muted-foreground">
                  <Spinner /> Rendering…
                </p>
              ) : shownPreview ? (
                <div className="grid gap-2">
                  {shownPreview.subject ? (
                    <p>
                      <span className="text-muted-foreground">Subject: </span>
                      <span className="font-medium">{shownPreview.subject}</span>
                    </p>
                  ) : null}
                  {shownPreview.html ? (
                    <EmailFrame html={shownPreview.html} title="Email preview" className="rounded border bg-white" />
                  ) : (
                    <p className="whitespace-pre-wrap">{shownPreview.text}</p>
                  )}
                  {shownPreview.problems.length > 0 ? (
                    <ul className="grid gap-1 text-xs text-muted-foreground">
                      {shownPreview.problems.map((p) => (
                        <li key={`${p.code}-${p.locale ?? ""}`}>{p.message}</li>
                      ))}
                    </ul>
                  ) : null}
                </div>
              ) : (
                <p className="text-muted-foreground">{previewError}</p>
              )}
            </div>
          </section>

          <DialogFooter className="md:col-span-2">
            <Button type="button" variant="outline" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" disabled={send.isPending || topics.length === 0}>
              {send.isPending ? <Spinner /> : <SendIcon />}
              Send {channelLabel}
            </Button>
          </DialogFooter>
        </form>
      )}
    </>
  );
}
