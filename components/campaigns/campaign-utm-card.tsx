"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Spinner } from "@/components/ui/spinner";
import { Switch } from "@/components/ui/switch";
import { toast } from "@/components/ui/toaster";
import { formErrorsFrom } from "@/components/ui/form-errors";
import { useTRPC } from "@/components/providers/trpc-provider";
import type { TCampaign } from "@/server/services/campaigns";
import { campaignSlug, tagUrl, UTM_DEFAULTS, UTM_VALUE_MAX, utmParameters, type UtmOptions } from "@/server/shared/utm";

const FIELDS = [
  { key: "source", label: "Source", param: "utm_source" },
  { key: "medium", label: "Medium", param: "utm_medium" },
  { key: "campaign", label: "Campaign", param: "utm_campaign" },
  { key: "term", label: "Term", param: "utm_term" },
  { key: "content", label: "Content", param: "utm_content" },
] as const;

type Values = Record<(typeof FIELDS)[number]["key"], string>;

const EXAMPLE_LINK = "https://www.example.com/spring-sale";

/**
 * UTM parameters of an email campaign (`options.utm`), saved on their own with
 * `campaigns.updateOptions` (the other sending options are sent back unchanged). When on, every
 * http(s) link of the campaign's emails gets `utm_*` parameters at send time (test sends and seed
 * copies too); unsubscribe, preference and web-version links, `mailto:` and `tel:` never do.
 * Empty fields take the defaults shown as placeholders. Renders nothing for SMS campaigns.
 *
 * Mount it on the campaign page (e.g. next to the sending options) with the campaign as loaded by
 * `campaigns.get` and whether the member may edit it (marketers and up).
 */
export function CampaignUtmCard({ campaign, canEdit }: { campaign: TCampaign; canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const stored = campaign.options.utm ?? null;
  const initial: Values = {
    source: stored?.source ?? "",
    medium: stored?.medium ?? "",
    campaign: stored?.campaign ?? "",
    term: stored?.term ?? "",
    content: stored?.content ?? "",
  };
  const [enabled, setEnabled] = React.useState(stored !== null);
  const [values, setValues] = React.useState<Values>(initial);
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const editable = canEdit && !["completed", "cancelled", "failed", "archived"].includes(campaign.status);

  const save = useMutation(
    trpc.campaigns.updateOptions.mutationOptions({
      onSuccess: () => {
        setErrors({});
        void queryClient.invalidateQueries({ queryKey: trpc.campaigns.pathKey() });
        toast.success(enabled ? "UTM parameters saved" : "UTM parameters turned off");
      },
      onError: (error) => {
        const { fieldErrors, formError } = formErrorsFrom(error);
        setErrors(fieldErrors);
        toast.error(formError);
      },
    }),
  );

  if (campaign.channel !== "email") return null;

  const utm: UtmOptions = Object.fromEntries(
    Object.entries(values)
      .map(([key, value]) => [key, value.trim()])
      .filter(([, value]) => value !== ""),
  );
  const example = tagUrl(EXAMPLE_LINK, utmParameters(utm, campaign.name));
  const dirty = enabled !== (stored !== null) || JSON.stringify(values) !== JSON.stringify(initial);
  const placeholders: Values = {
    source: UTM_DEFAULTS.source,
    medium: UTM_DEFAULTS.medium,
    campaign: campaignSlug(campaign.name),
    term: "none",
    content: "none",
  };

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ id: campaign.id, options: { ...campaign.options, utm: enabled ? utm : null } });
      }}
    >
      <Card>
        <CardHeader>
          <CardTitle>UTM parameters</CardTitle>
          <CardDescription>
            Tag the links of this campaign&apos;s emails so your analytics attribute visits to it. Unsubscribe and
            preference links, email and phone links are never tagged, and a parameter a link already has is kept.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid max-w-2xl gap-4">
          <div className="flex items-center gap-3">
            <Switch id={`utm-${campaign.id}`} checked={enabled} onCheckedChange={setEnabled} disabled={!editable} />
            <Label htmlFor={`utm-${campaign.id}`}>Add UTM parameters to links</Label>
          </div>
          {enabled ? (
            <>
              <div className="grid gap-4 sm:grid-cols-2">
                {FIELDS.map((field) => (
                  <FormField
                    key={field.key}
                    label={`${field.label} (${field.param})`}
                    error={errors[`options.utm.${field.key}`]}
                  >
                    <Input
                      value={values[field.key]}
                      onChange={(e) => setValues((current) => ({ ...current, [field.key]: e.target.value }))}
                      placeholder={placeholders[field.key]}
                      maxLength={UTM_VALUE_MAX}
                      disabled={!editable}
                      spellCheck={false}
                      autoComplete="off"
                    />
                  </FormField>
                ))}
              </div>
              <div className="grid gap-1">
                <p className="text-xs text-muted-foreground" id={`utm-example-${campaign.id}`}>
                  A link to {EXAMPLE_LINK} will read:
                </p>
                <code
                  className="rounded-md bg-muted px-2 py-1.5 text-xs break-all"
                  aria-labelledby={`utm-example-${campaign.id}`}
                  data-testid="utm-example"
                >
                  {example}
                </code>
              </div>
            </>
          ) : null}
        </CardContent>
        {editable ? (
          <CardFooter className="justify-end border-t pt-4">
            <Button type="submit" disabled={!dirty || save.isPending}>
              {save.isPending ? <Spinner /> : null}
              Save UTM parameters
            </Button>
          </CardFooter>
        ) : null}
      </Card>
    </form>
  );
}
