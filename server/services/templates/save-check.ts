import type { Queryable } from "@/db/client";
import type { Channel, TemplateCategory } from "@/db/schema";
import { getEnv } from "@/server/lib/env";
import { AppError } from "@/server/lib/errors";
import { findTopicByKey } from "../topics/queries";
import { resolvePostalAddress, SETUP_PROBLEM_CODES } from "./compliance";
import { checkTemplateContent, normalizeContent, SAMPLE_LINKS } from "./compose";
import { workspacePostalAddress } from "../workspaces/sender";
import { workspacePresentation } from "./rows";
import { isMarketingCategory, type TComplianceResult, type TTemplateVersionContent } from "./schemas";

/**
 * Normalises a version's content and runs the save-time check. Errors in the content (Liquid,
 * unknown variables, missing subject, compliance) refuse the save with INVALID naming each one;
 * a set-up problem (no postal address set) is stored with the version and blocks sends only.
 */
export async function prepareVersionContent(
  db: Queryable,
  workspaceId: string,
  template: { channel: Channel; category: TemplateCategory },
  content: TTemplateVersionContent,
): Promise<{ content: TTemplateVersionContent; compliance: TComplianceResult }> {
  const variants = normalizeContent(template.channel, content.variants);
  const normalized = { ...content, variants };
  const workspace = await workspacePresentation(db, workspaceId);
  const compliance = await checkTemplateContent({
    channel: template.channel,
    isMarketing: isMarketingCategory(template.category),
    brand: workspace.name,
    postalAddress: resolvePostalAddress(workspacePostalAddress(workspace.profile)),
    defaultLocale: content.defaultLocale,
    variants,
    variables: content.variables,
    links: SAMPLE_LINKS(getEnv().PUBLIC_URL),
  });
  const blocking = compliance.problems.filter((p) => p.severity === "error" && !SETUP_PROBLEM_CODES.includes(p.code));
  if (blocking.length > 0) {
    const described = blocking.map((p) =>
      p.locale && Object.keys(variants).length > 1 ? `[${p.locale}] ${p.message}` : p.message,
    );
    throw new AppError("INVALID", `The template cannot be saved: ${described.join("; ")}`, { field: "content" });
  }
  return { content: normalized, compliance };
}

/** A topic key given to a template must name a topic of the workspace offered on its channel. */
export async function checkTopicKey(
  db: Queryable,
  workspaceId: string,
  topicKey: string | null,
  channel: Channel,
): Promise<void> {
  if (!topicKey) return;
  const topic = await findTopicByKey(db, workspaceId, topicKey);
  if (!topic) throw new AppError("INVALID", `No topic has the key "${topicKey}"`, { field: "topicKey" });
  if (!topic.channels.includes(channel)) {
    throw new AppError(
      "INVALID",
      `The topic "${topic.name}" is not offered by ${channel === "sms" ? "SMS" : "email"}`,
      { field: "topicKey" },
    );
  }
}
