import type { Queryable } from "@/db/client";
import { logger } from "@/server/lib/logger";
import { getContactRow, toContact } from "../contacts/rows";
import { getSystemTemplate } from "../templates/defaults";
import { renderForSend, type RenderRecipient } from "../templates/render";

export interface ReplyText {
  text: string;
  templateId: string | null;
  templateVersionId: string | null;
  templateVersion: number | null;
  locale: string | null;
}

/**
 * The text of a keyword reply: the workspace's system template (`opt_out_confirmation`,
 * `help_reply`) when it has one, rendered for the contact (locale, `{{ workspace.name }}`,
 * `{{ support_contact }}`), else the built-in wording. A template that fails to render falls
 * back to the built-in wording too: a STOP must always be confirmed. A HELP reply always names
 * the support contact; when the workspace's help template does not, it is appended.
 */
export async function keywordReplyText(
  db: Queryable,
  input: {
    workspaceId: string;
    brand: string;
    systemKey: "opt_out_confirmation" | "help_reply";
    contactId: string | null;
    supportContact: string;
    fallback: string;
  },
): Promise<ReplyText> {
  const builtIn: ReplyText = {
    text: input.fallback,
    templateId: null,
    templateVersionId: null,
    templateVersion: null,
    locale: null,
  };
  const template = await getSystemTemplate(db, input.workspaceId, input.systemKey);
  if (!template || template.channel !== "sms") return builtIn;
  try {
    const rendered = await renderForSend({
      db,
      workspaceId: input.workspaceId,
      source: { templateId: template.id },
      channel: "sms",
      kind: "transactional",
      variables: { support_contact: input.supportContact },
      contact: input.contactId
        ? recipientOf(toContact(await getContactRow(db, input.workspaceId, input.contactId)))
        : anonymousRecipient(),
      workspace: { name: input.brand },
      links: null,
    });
    let text = rendered.text.trim();
    if (!text) return builtIn;
    if (input.systemKey === "help_reply" && !text.includes(input.supportContact))
      text = `${text} Support: ${input.supportContact}`;
    return {
      text,
      templateId: rendered.templateId,
      templateVersionId: rendered.templateVersionId,
      templateVersion: rendered.templateVersion,
      locale: rendered.locale,
    };
  } catch (error) {
    logger.warn(
      { err: error, templateId: template.id, systemKey: input.systemKey },
      "keyword reply template failed to render; using the built-in wording",
    );
    return builtIn;
  }
}

function recipientOf(contact: ReturnType<typeof toContact>): RenderRecipient {
  return {
    id: contact.id,
    firstName: contact.firstName,
    lastName: contact.lastName,
    email: contact.email,
    phone: contact.phone,
    locale: contact.locale,
    timezone: contact.timezone,
    attributes: contact.attributes,
    tags: contact.tags,
  };
}

/** An unknown number: no name, no attributes (a template using them renders them empty). */
function anonymousRecipient(): RenderRecipient {
  return {
    id: "",
    firstName: null,
    lastName: null,
    email: null,
    phone: null,
    locale: null,
    timezone: null,
    attributes: {},
    tags: [],
  };
}
