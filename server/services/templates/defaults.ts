import { and, eq, isNull } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { templates, type TemplateCategory, type TemplateRow } from "@/db/schema";
import type { Clock } from "@/server/lib/clock";
import { getEnv } from "@/server/lib/env";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type Actor } from "../context";
import { resolvePostalAddress } from "./compliance";
import { checkTemplateContent, normalizeContent, SAMPLE_LINKS } from "./compose";
import { insertVersion, workspaceName } from "./rows";
import { isMarketingCategory, type TTemplateVersionContent } from "./schemas";

export const SYSTEM_TEMPLATE_KEYS = [
  "welcome",
  "opt_out_confirmation",
  "help_reply",
  "newsletter",
  "double_opt_in_link",
  "double_opt_in_code",
] as const;
export type SystemTemplateKey = (typeof SYSTEM_TEMPLATE_KEYS)[number];

interface DefaultTemplate {
  systemKey: SystemTemplateKey;
  key: string;
  name: string;
  channel: "email" | "sms";
  category: TemplateCategory;
  topicKey: string | null;
  content: TTemplateVersionContent;
}

const NEWSLETTER_HTML = [
  `<h1>Hi {{ contact.first_name | default: "there" }},</h1>`,
  `<p>Here is what's new at {{ workspace.name }} this month.</p>`,
  `<h2>{{ headline | default: "This month's highlights" }}</h2>`,
  `<ul><li><p><strong>New this month:</strong> tell your readers about your latest products or stories.</p></li><li><p><strong>Coming up:</strong> share an event, a launch or a tip.</p></li></ul>`,
  `<p>Thanks for reading,<br>The {{ workspace.name }} team</p>`,
].join("");

/**
 * The double opt-in confirmation email (`double_opt_in_link`): one link, what it subscribes to, what
 * happens if it is ignored. Variables: `confirmation_url`, `topics` (the topic names as one
 * phrase), `hours` (the link's lifetime). The pipeline falls back to this wording when the
 * workspace's version fails to render or leaves out the link.
 */
export const DOUBLE_OPT_IN_LINK_CONTENT = {
  subject: "Confirm your subscription to {{ workspace.name }}",
  text: [
    "Hi,",
    "",
    "Someone (hopefully you) asked to receive {{ topics }} from {{ workspace.name }} at this address.",
    "Please confirm by opening this link:",
    "",
    "{{ confirmation_url }}",
    "",
    "The link works for {{ hours }} hours. If you did not ask for this, ignore this email: you will not be subscribed.",
  ].join("\n"),
  html: [
    `<h1>Confirm your subscription</h1>`,
    `<p>Someone (hopefully you) asked to receive <strong>{{ topics }}</strong> from {{ workspace.name }} at this address. Please confirm to start receiving them.</p>`,
    `<p><a href="{{ confirmation_url }}" style="display:inline-block;background:#18181b;color:#ffffff;text-decoration:none;font-weight:600;padding:12px 20px;border-radius:8px">Confirm my subscription</a></p>`,
    `<p>The link works for {{ hours }} hours. If you did not ask for this, ignore this email: you will not be subscribed.</p>`,
    `<p>Or paste this link into your browser: {{ confirmation_url }}</p>`,
  ].join(""),
};

/** The double opt-in SMS (`double_opt_in_code`): brand first, the code, its lifetime, how to opt out. GSM-7 only. Variables: `code`, `minutes`, `topics`. */
export const DOUBLE_OPT_IN_CODE_TEXT =
  "{{ workspace.name }}: your confirmation code is {{ code }}. It expires in {{ minutes }} min. If you did not ask for it, ignore this message. Reply STOP to opt out.";

/**
 * The templates every new workspace starts with. SMS bodies name the brand and fit one GSM-7
 * segment for a brand of up to ~30 characters; the newsletter is a promotional email that passes
 * the check once POSTAL_ADDRESS is set (the layout adds the unsubscribe link and the address).
 */
export const DEFAULT_TEMPLATES: DefaultTemplate[] = [
  {
    systemKey: "welcome",
    key: "welcome",
    name: "Welcome (opt-in confirmation)",
    channel: "sms",
    category: "confirmation",
    topicKey: "promotions",
    content: {
      defaultLocale: "en",
      variables: [],
      variants: {
        en: {
          text: "{{ workspace.name }}: Thanks for joining{% if contact.first_name %}, {{ contact.first_name }}{% endif %}! Msg frequency varies. Msg & data rates may apply. Reply HELP for help, STOP to opt out.",
        },
      },
    },
  },
  {
    systemKey: "opt_out_confirmation",
    key: "opt_out_confirmation",
    name: "Opt-out confirmation",
    channel: "sms",
    category: "system",
    topicKey: null,
    content: {
      defaultLocale: "en",
      variables: [],
      variants: {
        en: {
          text: "{{ workspace.name }}: You're unsubscribed and will get no more messages from us. Reply START to resubscribe.",
        },
      },
    },
  },
  {
    systemKey: "help_reply",
    key: "help_reply",
    name: "Help reply",
    channel: "sms",
    category: "system",
    topicKey: null,
    content: {
      defaultLocale: "en",
      variables: [],
      variants: {
        en: {
          text: "{{ workspace.name }}: Msg frequency varies. Msg & data rates may apply. Reply STOP to opt out, START to resubscribe.{% if preferences_url %} Manage your preferences: {{ preferences_url }}{% endif %}",
        },
      },
    },
  },
  {
    systemKey: "double_opt_in_link",
    key: "double_opt_in_link",
    name: "Double opt-in confirmation (email)",
    channel: "email",
    category: "confirmation",
    topicKey: null,
    content: {
      defaultLocale: "en",
      variables: [
        {
          name: "confirmation_url",
          sample: "https://example.com/confirm/sample-token",
          description: "The confirmation link (keep it: without it nobody can confirm)",
        },
        { name: "topics", sample: "Newsletter and Promotions", description: "What the person asked to receive" },
        { name: "hours", sample: "48", description: "How long the link works" },
      ],
      variants: { en: DOUBLE_OPT_IN_LINK_CONTENT },
    },
  },
  {
    systemKey: "double_opt_in_code",
    key: "double_opt_in_code",
    name: "Double opt-in code (SMS)",
    channel: "sms",
    category: "confirmation",
    topicKey: null,
    content: {
      defaultLocale: "en",
      variables: [
        {
          name: "code",
          sample: "123456",
          description: "The 6-digit confirmation code (keep it: without it nobody can confirm)",
        },
        { name: "minutes", sample: "15", description: "How long the code works" },
        { name: "topics", sample: "Promotions", description: "What the person asked to receive" },
      ],
      variants: { en: { text: DOUBLE_OPT_IN_CODE_TEXT } },
    },
  },
  {
    systemKey: "newsletter",
    key: "newsletter",
    name: "Newsletter",
    channel: "email",
    category: "promotional",
    topicKey: "newsletter",
    content: {
      defaultLocale: "en",
      variables: [{ name: "headline", sample: "Autumn is here", description: "Title of this issue's main story" }],
      variants: {
        en: {
          subject: '{{ workspace.name }} newsletter: {{ headline | default: "this month\'s news" }}',
          text: "",
          html: NEWSLETTER_HTML,
        },
      },
    },
  },
];

/**
 * Idempotent: creates the default templates a workspace does not have yet (by `system_key`, and
 * never over a template of the same key). An existing one, edited or archived, is left alone.
 * Safe under concurrent starts: the insert is ON CONFLICT DO NOTHING and only its winner adds
 * version 1. Audited per template created, as the system.
 */
export async function ensureDefaultTemplates(db: Queryable, workspaceId: string, now: Clock): Promise<void> {
  await inTransaction(db, (tx) => createMissingTemplates(tx, workspaceId, now));
}

/**
 * The workspace's live system template for `systemKey`, creating the defaults first when it was
 * never created (a workspace older than that default). Null when it exists but is archived, or a
 * template of the workspace's own holds its key: the caller then uses its built-in wording.
 */
export async function systemTemplateFor(
  db: Queryable,
  workspaceId: string,
  systemKey: SystemTemplateKey,
  now: Clock,
): Promise<TemplateRow | null> {
  const found = await getSystemTemplate(db, workspaceId, systemKey);
  if (found) return found;
  const [exists] = await db
    .select({ id: templates.id })
    .from(templates)
    .where(and(eq(templates.workspaceId, workspaceId), eq(templates.systemKey, systemKey)));
  if (exists) return null;
  await ensureDefaultTemplates(db, workspaceId, now);
  return getSystemTemplate(db, workspaceId, systemKey);
}

async function createMissingTemplates(db: Queryable, workspaceId: string, now: Clock): Promise<void> {
  const existing = await db
    .select({ systemKey: templates.systemKey, key: templates.key })
    .from(templates)
    .where(eq(templates.workspaceId, workspaceId));
  const missing = DEFAULT_TEMPLATES.filter(
    (t) => !existing.some((e) => e.systemKey === t.systemKey || e.key === t.key),
  );
  if (missing.length === 0) return;
  const brand = await workspaceName(db, workspaceId);
  const actor: Actor = { type: "system", job: "bootstrap" };
  for (const def of missing) {
    const [row] = await db
      .insert(templates)
      .values({
        workspaceId,
        key: def.key,
        name: def.name,
        channel: def.channel,
        category: def.category,
        topicKey: def.topicKey,
        systemKey: def.systemKey,
        createdAt: now(),
        updatedAt: now(),
      })
      .onConflictDoNothing()
      .returning();
    if (!row) continue;
    const variants = normalizeContent(def.channel, def.content.variants);
    const compliance = await checkTemplateContent({
      channel: def.channel,
      isMarketing: isMarketingCategory(def.category),
      brand,
      postalAddress: resolvePostalAddress(),
      defaultLocale: def.content.defaultLocale,
      variants,
      variables: def.content.variables,
      links: SAMPLE_LINKS(getEnv().PUBLIC_URL),
    });
    const version = await insertVersion(db, { actor, now }, row, 1, { ...def.content, variants }, compliance);
    await writeAudit(
      db,
      { workspaceId, actor, now },
      {
        action: "template.created",
        targetType: "template",
        targetId: row.id,
        after: {
          key: row.key,
          systemKey: def.systemKey,
          channel: row.channel,
          category: row.category,
          version: 1,
          versionId: version.id,
          compliant: compliance.ok,
        },
      },
    );
  }
}

/**
 * A workspace's default template by system key (e.g. "opt_out_confirmation", "help_reply" for
 * SMS replies), or null when it was never created or is archived: the caller then uses its own
 * built-in wording. Render it with `renderForSend({ source: { templateId: row.id }, … })`.
 */
export async function getSystemTemplate(
  db: Queryable,
  workspaceId: string,
  systemKey: SystemTemplateKey | string,
): Promise<TemplateRow | null> {
  const [row] = await db
    .select()
    .from(templates)
    .where(
      and(eq(templates.workspaceId, workspaceId), eq(templates.systemKey, systemKey), isNull(templates.archivedAt)),
    );
  return row ?? null;
}
