"use client";

import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { PlusIcon, Trash2Icon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader } from "@/components/ui/card";
import { FormField } from "@/components/ui/form-field";
import { formErrorsFrom } from "@/components/ui/form-errors";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Spinner } from "@/components/ui/spinner";
import { Switch } from "@/components/ui/switch";
import { Textarea } from "@/components/ui/textarea";
import { toast } from "@/components/ui/toaster";
import { useTRPC } from "@/components/providers/trpc-provider";
import type { TAbTestResults, TCampaign } from "@/server/services/campaigns";
import { AB_VARIANT_KEYS, type AbTestMetric, type AbVariantKey } from "@/server/shared/enums";
import { DEFAULT_FALLBACK_HOUR, MAX_WINDOW_HOURS } from "@/server/shared/send-time";
import { CardHeading } from "./card-heading";

interface VariantDraft {
  key: AbVariantKey;
  subject: string;
  senderName: string;
  preheader: string;
  html: string;
  text: string;
}

/** What the test compares: the variants' content, or a fixed send time with each recipient's best hour. */
type TestKind = "content" | "send_time";

const TEST_KINDS: { value: TestKind; label: string; hint: string }[] = [
  { value: "content", label: "Test content", hint: "Variants change the subject, the content or the sender name." },
  {
    value: "send_time",
    label: "Test send time",
    hint: "The same message: variant A at the campaign's time, variant B at each recipient's best hour. Measures the lift of send-time optimisation.",
  },
];

interface Draft {
  enabled: boolean;
  kind: TestKind;
  /** Send-time test: the best-hour variant's window and fallback hour. */
  windowHours: string;
  fallbackHour: string;
  variants: VariantDraft[];
  share: string;
  metric: AbTestMetric;
  waitHours: string;
  defaultVariant: AbVariantKey;
}

const emptyVariant = (key: AbVariantKey): VariantDraft => ({
  key,
  subject: "",
  senderName: "",
  preheader: "",
  html: "",
  text: "",
});

function draftOf(data: TAbTestResults | undefined, channel: TCampaign["channel"]): Draft {
  const s = data?.settings;
  if (!s)
    return {
      enabled: false,
      kind: "content",
      windowHours: String(MAX_WINDOW_HOURS),
      fallbackHour: String(DEFAULT_FALLBACK_HOUR),
      variants: [emptyVariant("A"), emptyVariant("B")],
      share: "20",
      metric: channel === "sms" ? "clicked" : "opened",
      waitHours: "4",
      defaultVariant: "A",
    };
  const best = s.variants.find((v) => v.sendTime?.mode === "best_hour")?.sendTime;
  return {
    enabled: true,
    kind: s.variants.some((v) => v.sendTime) ? "send_time" : "content",
    windowHours: String(best?.mode === "best_hour" ? best.windowHours : MAX_WINDOW_HOURS),
    fallbackHour: String(best?.mode === "best_hour" ? best.fallbackHour : DEFAULT_FALLBACK_HOUR),
    variants: s.variants.map((v) => ({
      key: v.key,
      subject: v.subject ?? "",
      senderName: v.senderName ?? "",
      preheader: v.content?.preheader ?? "",
      html: v.content?.html ?? "",
      text: v.content?.text ?? "",
    })),
    share: String(s.share),
    metric: s.metric,
    waitHours: String(s.waitHours),
    defaultVariant: s.defaultVariant,
  };
}

/** The variant as the API takes it: empty fields are the campaign's own. */
function variantInput(v: VariantDraft, channel: TCampaign["channel"], inline: boolean) {
  const trimmed = (value: string) => (value.trim() === "" ? undefined : value.trim());
  const content = inline
    ? channel === "sms"
      ? { text: trimmed(v.text) }
      : { html: v.html.trim() === "" ? undefined : v.html, preheader: trimmed(v.preheader) }
    : {};
  const hasContent = Object.values(content).some((value) => value !== undefined);
  return {
    key: v.key,
    ...(channel === "email" && inline && trimmed(v.subject) ? { subject: trimmed(v.subject) } : {}),
    ...(channel === "email" && trimmed(v.senderName) ? { senderName: trimmed(v.senderName) } : {}),
    ...(hasContent ? { content } : {}),
  };
}

/**
 * The "A/B test" card of the campaign editor (drafts): switch it on, give 2–4 variants what they
 * change (email: subject, sender name, preheader, HTML body; SMS: text; a template campaign's
 * variants only the sender name), the test share, the metric, the wait and the default variant.
 * Saved on its own (`campaigns.setAbTest`); empty fields keep the campaign's own. "Test send time"
 * instead makes two variants of the same message: A at the campaign's time, B at each recipient's
 * best hour (window and fallback hour).
 */
export function AbTestCard({ campaign, canEdit }: { campaign: TCampaign; canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const current = useQuery(trpc.campaigns.abTest.queryOptions({ id: campaign.id }));
  const [draft, setDraft] = React.useState<Draft>(() => draftOf(undefined, campaign.channel));
  const [loadedFor, setLoadedFor] = React.useState<TAbTestResults | undefined>(undefined);
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  if (current.data && current.data !== loadedFor) {
    setLoadedFor(current.data);
    setDraft(draftOf(current.data, campaign.channel));
  }
  const editable = canEdit && campaign.status === "draft";
  const inline = campaign.templateId === null;
  const email = campaign.channel === "email";
  const save = useMutation(
    trpc.campaigns.setAbTest.mutationOptions({
      onSuccess: (next) => {
        setErrors({});
        queryClient.setQueryData(trpc.campaigns.abTest.queryKey({ id: campaign.id }), next);
        toast.success(next.settings ? "A/B test saved" : "A/B test removed");
      },
      onError: (error) => {
        const { fieldErrors, formError } = formErrorsFrom(error);
        setErrors(fieldErrors);
        toast.error(formError);
      },
    }),
  );
  const setVariant = (index: number, patch: Partial<VariantDraft>) =>
    setDraft((d) => ({ ...d, variants: d.variants.map((v, i) => (i === index ? { ...v, ...patch } : v)) }));
  const id = (suffix: string) => `ab-${campaign.id}-${suffix}`;

  const submit = () => {
    save.mutate({
      id: campaign.id,
      abTest: draft.enabled
        ? {
            variants:
              draft.kind === "send_time"
                ? [
                    { key: "A", sendTime: { mode: "fixed" } },
                    {
                      key: "B",
                      sendTime: {
                        mode: "best_hour",
                        windowHours: Number(draft.windowHours),
                        fallbackHour: Number(draft.fallbackHour),
                      },
                    },
                  ]
                : draft.variants.map((v) => variantInput(v, campaign.channel, inline)),
            share: Number(draft.share),
            metric: draft.metric,
            waitHours: Number(draft.waitHours),
            defaultVariant: draft.defaultVariant,
          }
        : null,
    });
  };

  return (
    // A section, not a form: the card sits inside the campaign editor's form, where a nested form
    // is dropped by the browser and its button would save the campaign instead.
    <section aria-labelledby={id("title")}>
      <Card data-testid="ab-test-card">
        <CardHeader>
          <CardHeading id={id("title")}>A/B test</CardHeading>
          <CardDescription>
            Send 2–4 variants to a test share of the audience (chosen at random but stable, split evenly). After the
            wait, the variant that did better at 95% confidence goes to the rest; with no significant difference, the
            default variant does. Empty fields keep the campaign&apos;s own. Or test the send time: a fixed time against
            each recipient&apos;s best hour.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-4">
          <div className="flex items-center gap-3">
            <Switch
              id={id("enabled")}
              checked={draft.enabled}
              onCheckedChange={(enabled) => setDraft((d) => ({ ...d, enabled }))}
              // Until the saved test has loaded: it replaces the draft when it arrives.
              disabled={!editable || !current.data}
            />
            <Label htmlFor={id("enabled")}>Test variants of this campaign</Label>
          </div>
          {draft.enabled ? (
            <>
              <fieldset className="grid gap-3">
                <legend className="mb-2 text-sm font-medium">What to test</legend>
                {TEST_KINDS.map((kind) => (
                  <div key={kind.value} className="flex items-start gap-3">
                    <input
                      type="radio"
                      id={id(`kind-${kind.value}`)}
                      name={id("kind")}
                      value={kind.value}
                      checked={draft.kind === kind.value}
                      onChange={() =>
                        setDraft((d) => ({
                          ...d,
                          kind: kind.value,
                          // A send-time test has exactly two variants.
                          variants: kind.value === "send_time" ? d.variants.slice(0, 2) : d.variants,
                          defaultVariant: kind.value === "send_time" ? "A" : d.defaultVariant,
                        }))
                      }
                      disabled={!editable}
                      aria-describedby={id(`kind-${kind.value}-hint`)}
                      className="mt-0.5 size-4 shrink-0 accent-primary"
                    />
                    <div className="grid gap-1">
                      <Label htmlFor={id(`kind-${kind.value}`)}>{kind.label}</Label>
                      <p id={id(`kind-${kind.value}-hint`)} className="text-xs text-muted-foreground">
                        {kind.hint}
                      </p>
                    </div>
                  </div>
                ))}
              </fieldset>
              {draft.kind === "send_time" ? (
                <div className="grid gap-4 lg:grid-cols-2">
                  <fieldset className="grid gap-3 rounded-md border p-4">
                    <legend className="px-1 text-sm font-semibold">Variant A: fixed time</legend>
                    <p className="text-sm text-muted-foreground">
                      Sent when the campaign is scheduled to go (or at once when sent now).
                    </p>
                  </fieldset>
                  <fieldset className="grid gap-3 rounded-md border p-4">
                    <legend className="px-1 text-sm font-semibold">Variant B: best hour</legend>
                    <FormField
                      label="Best-hour window (hours)"
                      description={`1–${MAX_WINDOW_HOURS} hours from the start; the decision waits for the window to end`}
                      error={
                        errors["abTest.variants.1.sendTime.windowHours"] ?? errors["abTest.variants.1.sendTime.mode"]
                      }
                    >
                      <Input
                        type="number"
                        min={1}
                        max={MAX_WINDOW_HOURS}
                        step={1}
                        value={draft.windowHours}
                        onChange={(e) => setDraft((d) => ({ ...d, windowHours: e.target.value }))}
                        disabled={!editable}
                      />
                    </FormField>
                    <FormField
                      label="Fallback hour (0–23)"
                      description="The local hour used while the workspace has little open and click history"
                      error={errors["abTest.variants.1.sendTime.fallbackHour"]}
                    >
                      <Input
                        type="number"
                        min={0}
                        max={23}
                        step={1}
                        value={draft.fallbackHour}
                        onChange={(e) => setDraft((d) => ({ ...d, fallbackHour: e.target.value }))}
                        disabled={!editable}
                      />
                    </FormField>
                  </fieldset>
                </div>
              ) : null}
              {draft.kind === "content" && !inline ? (
                <p className="text-sm text-muted-foreground">
                  This campaign uses a template: its variants can change the sender name only. Write inline content to
                  test subjects or content.
                </p>
              ) : null}
              {draft.kind === "content" ? (
                <>
                  <div className="grid gap-4 lg:grid-cols-2">
                    {draft.variants.map((v, i) => (
                      <fieldset key={v.key} className="grid gap-3 rounded-md border p-4">
                        <legend className="px-1 text-sm font-semibold">Variant {v.key}</legend>
                        {email && inline ? (
                          <FormField
                            label={`Subject (variant ${v.key})`}
                            error={errors[`abTest.variants.${i}.subject`]}
                          >
                            <Input
                              value={v.subject}
                              onChange={(e) => setVariant(i, { subject: e.target.value })}
                              placeholder={campaign.content?.subject ?? ""}
                              disabled={!editable}
                              maxLength={500}
                            />
                          </FormField>
                        ) : null}
                        {email ? (
                          <FormField
                            label={`Sender name (variant ${v.key})`}
                            error={errors[`abTest.variants.${i}.senderName`]}
                          >
                            <Input
                              value={v.senderName}
                              onChange={(e) => setVariant(i, { senderName: e.target.value })}
                              disabled={!editable}
                              maxLength={100}
                            />
                          </FormField>
                        ) : null}
                        {email && inline ? (
                          <>
                            <FormField
                              label={`Preheader (variant ${v.key})`}
                              error={errors[`abTest.variants.${i}.content.preheader`]}
                            >
                              <Input
                                value={v.preheader}
                                onChange={(e) => setVariant(i, { preheader: e.target.value })}
                                disabled={!editable}
                                maxLength={200}
                              />
                            </FormField>
                            <FormField
                              label={`HTML body (variant ${v.key})`}
                              description="Empty: the campaign's body. The plain-text part is made from it."
                              error={errors[`abTest.variants.${i}.content.html`]}
                            >
                              <Textarea
                                rows={4}
                                value={v.html}
                                onChange={(e) => setVariant(i, { html: e.target.value })}
                                disabled={!editable}
                              />
                            </FormField>
                          </>
                        ) : null}
                        {!email && inline ? (
                          <FormField
                            label={`Text (variant ${v.key})`}
                            error={errors[`abTest.variants.${i}.content.text`]}
                          >
                            <Textarea
                              rows={3}
                              value={v.text}
                              onChange={(e) => setVariant(i, { text: e.target.value })}
                              placeholder={campaign.content?.text ?? ""}
                              disabled={!editable}
                            />
                          </FormField>
                        ) : null}
                        {editable && draft.variants.length > 2 && i === draft.variants.length - 1 ? (
                          <Button
                            type="button"
                            variant="ghost"
                            size="sm"
                            className="justify-self-start"
                            onClick={() =>
                              setDraft((d) => ({
                                ...d,
                                variants: d.variants.slice(0, -1),
                                defaultVariant: d.defaultVariant === v.key ? "A" : d.defaultVariant,
                              }))
                            }
                          >
                            <Trash2Icon aria-hidden />
                            Remove variant {v.key}
                          </Button>
                        ) : null}
                      </fieldset>
                    ))}
                  </div>
                  {editable && draft.variants.length < AB_VARIANT_KEYS.length ? (
                    <Button
                      type="button"
                      variant="outline"
                      className="justify-self-start"
                      onClick={() =>
                        setDraft((d) => ({
                          ...d,
                          variants: [...d.variants, emptyVariant(AB_VARIANT_KEYS[d.variants.length]!)],
                        }))
                      }
                    >
                      <PlusIcon aria-hidden />
                      Add variant {AB_VARIANT_KEYS[draft.variants.length]}
                    </Button>
                  ) : null}
                </>
              ) : null}
              <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
                <FormField label="Test share (%)" description="5–50% of the audience" error={errors["abTest.share"]}>
                  <Input
                    type="number"
                    min={5}
                    max={50}
                    step={1}
                    value={draft.share}
                    onChange={(e) => setDraft((d) => ({ ...d, share: e.target.value }))}
                    disabled={!editable}
                  />
                </FormField>
                <FormField id={id("metric")} label="Winning metric" error={errors["abTest.metric"]}>
                  <Select
                    value={draft.metric}
                    onValueChange={(metric) => setDraft((d) => ({ ...d, metric: metric as AbTestMetric }))}
                    disabled={!editable}
                  >
                    <SelectTrigger id={id("metric")} className="w-full">
                      <SelectValue />
                    </SelectTrigger>
                    <SelectContent>
                      {email ? <SelectItem value="opened">Opened</SelectItem> : null}
                      <SelectItem value="clicked">Clicked</SelectItem>
                      {email ? null : <SelectItem value="replied">Replied</SelectItem>}
                    </SelectContent>
                  </Select>
                </FormField>
                <FormField
                  label="Wait (hours)"
                  description="1–72 hours after the test starts"
                  error={errors["abTest.waitHours"]}
                >
                  <Input
                    type="number"
                    min={1}
                    max={72}
                    step={1}
                    value={draft.waitHours}
                    onChange={(e) => setDraft((d) => ({ ...d, waitHours: e.target.value }))}
                    disabled={!editable}
                  />
                </FormField>
                <FormField id={id("default")} label="Default variant" error={errors["abTest.defaultVariant"]}>
                  <Select
                    value={draft.defaultVariant}
                    onValueChange={(key) => setDraft((d) => ({ ...d, defaultVariant: key as AbVariantKey }))}
                    disabled={!editable}
                  >
                    <SelectTrigger id={id("default")} className="w-full">
                      <SelectValue />
                    </SelectTrigger>
                    <SelectContent>
                      {draft.variants.map((v) => (
                        <SelectItem key={v.key} value={v.key}>
                          Variant {v.key}
                          {draft.kind === "send_time" ? (v.key === "A" ? " (fixed time)" : " (best hour)") : ""}
                        </SelectItem>
                      ))}
                    </SelectContent>
                  </Select>
                </FormField>
              </div>
            </>
          ) : null}
        </CardContent>
        {editable ? (
          <CardFooter className="justify-end border-t pt-4">
            <Button
              type="button"
              onClick={submit}
              disabled={save.isPending || (!draft.enabled && !current.data?.settings)}
            >
              {save.isPending ? <Spinner /> : null}
              Save A/B test
            </Button>
          </CardFooter>
        ) : null}
      </Card>
    </section>
  );
}
