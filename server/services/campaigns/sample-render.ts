import { and, eq } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { templateVersions, templates, type CampaignRow } from "@/db/schema";
import { countSmsSegments } from "@/server/shared/sms-segments";
import type { ServiceContext } from "../context";
import { renderPreview } from "../templates/render-preview";
import { getTrackingSettings } from "../tracking/get-tracking-settings";
import { shortenedForEstimate } from "../tracking/rewrite-links";
import { getEnv } from "@/server/lib/env";

/**
 * Segments of the campaign's SMS text rendered once for the sample contact (with the compliance
 * footer a marketing text gets), or null when it does not render. An estimate: real contacts'
 * names and values change the length. With click tracking on, a marketing text's links are
 * measured as the short links they become (`TRACKING_BASE_URL/t/` + 10 characters).
 */
export async function sampleSmsSegments(ctx: ServiceContext, row: CampaignRow): Promise<number | null> {
  const draft = await draftOf(ctx.db, row);
  if (!draft) return null;
  const preview = await renderPreview({
    ctx,
    input: {
      channel: "sms",
      category: draft.category,
      kind: row.kind,
      defaultLocale: draft.defaultLocale,
      variants: draft.variants,
      variables: draft.variables,
    },
  });
  // A marketing text's links leave as short tracking links: measure the text as it will be sent.
  if (row.kind === "marketing" && preview.text && (await getTrackingSettings({ ctx })).clicks) {
    const env = getEnv();
    const skip = { urls: [], origins: [env.PUBLIC_URL, env.TRACKING_BASE_URL] };
    return countSmsSegments(shortenedForEstimate(preview.text, env.TRACKING_BASE_URL, skip)).segments;
  }
  if (preview.sms) return preview.sms.segments;
  return preview.text ? countSmsSegments(preview.text).segments : null;
}

export type Draft = {
  category: "promotional" | "transactional" | "notification" | "confirmation" | "system";
  defaultLocale: string;
  variants: Record<string, { subject?: string; text: string; html?: string }>;
  variables: { name: string; sample: string }[];
  /** Inline email content's preheader. */
  preheader?: string;
};

export async function draftOf(db: Queryable, row: CampaignRow): Promise<Draft | null> {
  const category = row.kind === "transactional" ? "transactional" : "promotional";
  if (row.content) {
    const { preheader, ...content } = row.content;
    return {
      category,
      defaultLocale: "en",
      variants: { en: content },
      variables: [],
      ...(preheader ? { preheader } : {}),
    };
  }
  if (!row.templateId) return null;
  const [found] = await db
    .select({ template: templates, version: templateVersions })
    .from(templates)
    .innerJoin(
      templateVersions,
      and(eq(templateVersions.templateId, templates.id), eq(templateVersions.version, templates.currentVersion)),
    )
    .where(and(eq(templates.workspaceId, row.workspaceId), eq(templates.id, row.templateId)));
  if (!found) return null;
  return {
    category: found.template.category,
    defaultLocale: found.version.defaultLocale,
    variants: Object.fromEntries(
      Object.entries(found.version.variants).map(([locale, v]) => [
        locale,
        { subject: v.subject, text: v.text, html: v.html },
      ]),
    ),
    variables: found.version.variables.map((v) => ({ name: v.name, sample: String(v.sample ?? "") })),
  };
}
