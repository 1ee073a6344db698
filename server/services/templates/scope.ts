import type { TemplateContent, TemplateVariable } from "@/db/schema";
import { liquidGlobalPaths, type LiquidMode, type SegmentArray } from "@/server/lib/liquid";

/**
 * What a template can read, and the sample data previews and the save-time check render with.
 *
 *   {{ order_id }}                 a variable the caller passes (declared with a sample on the template)
 *   {{ contact.first_name }}       first_name, last_name, email, phone, locale, timezone, tags, attributes.<any>
 *   {{ workspace.name }}           the brand
 *   {{ unsubscribe_url }}, {{ preferences_url }}   null when the send has no links
 *   {{ web_version_url }}          the message's web version (campaigns with it on); null otherwise
 */

export const CONTACT_FIELDS = [
  "id",
  "first_name",
  "last_name",
  "email",
  "phone",
  "locale",
  "timezone",
  "attributes",
  "tags",
] as const;
export const WORKSPACE_FIELDS = ["name"] as const;
export const LINK_VARIABLES = ["unsubscribe_url", "preferences_url", "web_version_url"] as const;

export interface ScopeContact {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  locale: string | null;
  timezone: string | null;
  attributes: Record<string, unknown>;
  tags: string[];
}

export interface ScopeInput {
  variables: Record<string, unknown>;
  contact: ScopeContact;
  workspace: { name: string };
  links: { unsubscribeUrl: string; preferencesUrl: string; webVersionUrl?: string } | null;
}

/** The Liquid scope: the caller's variables at the top level; built-in names always win. */
export function buildScope({ variables, contact, workspace, links }: ScopeInput): Record<string, unknown> {
  const own: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(variables)) if (Object.hasOwn(variables, name)) own[name] = value;
  return {
    ...own,
    contact: {
      id: contact.id,
      first_name: contact.firstName,
      last_name: contact.lastName,
      email: contact.email,
      phone: contact.phone,
      locale: contact.locale,
      timezone: contact.timezone,
      attributes: { ...contact.attributes },
      tags: [...contact.tags],
    },
    workspace: { name: workspace.name },
    unsubscribe_url: links?.unsubscribeUrl ?? null,
    preferences_url: links?.preferencesUrl ?? null,
    web_version_url: links?.webVersionUrl ?? null,
  };
}

/** A sample value as typed: numbers, booleans and JSON arrays/objects (for loops) keep their type. */
export function parseSampleValue(sample: string): unknown {
  const trimmed = sample.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed) && trimmed.length < 16) return Number(trimmed);
  if (trimmed === "true" || trimmed === "false") return trimmed === "true";
  if (/^[[{]/.test(trimmed)) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return sample;
    }
  }
  return sample;
}

export function sampleVariables(declared: TemplateVariable[]): Record<string, unknown> {
  return Object.fromEntries(declared.map((v) => [v.name, parseSampleValue(v.sample)]));
}

/** Every `contact.attributes.<path>` the parts read, filled with readable sample values. */
export function sampleAttributes(paths: SegmentArray[]): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const path of paths) {
    if (path[0] !== "contact" || path[1] !== "attributes") continue;
    const keys = path.slice(2).filter((s): s is string => typeof s === "string");
    if (keys.length === 0) continue;
    let node = attributes;
    keys.forEach((key, i) => {
      if (i === keys.length - 1) {
        if (!Object.hasOwn(node, key)) node[key] = `Sample ${key.replace(/_/g, " ")}`;
      } else {
        if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
        node = node[key] as Record<string, unknown>;
      }
    });
  }
  return attributes;
}

export function sampleContact(locale: string | null, attributes: Record<string, unknown> = {}): ScopeContact {
  return {
    id: "00000000-0000-4000-8000-000000000000",
    firstName: "Alex",
    lastName: "Rivera",
    email: "alex@example.com",
    phone: "+15555550123",
    locale,
    timezone: "America/New_York",
    attributes,
    tags: ["sample"],
  };
}

/** The Liquid sources of one variant with the engine mode each is rendered in. */
export function variantParts(
  content: TemplateContent,
): { part: "subject" | "text" | "html"; source: string; mode: LiquidMode }[] {
  const parts: { part: "subject" | "text" | "html"; source: string; mode: LiquidMode }[] = [];
  if (content.subject !== undefined) parts.push({ part: "subject", source: content.subject, mode: "text" });
  parts.push({ part: "text", source: content.text, mode: "text" });
  if (content.html !== undefined) parts.push({ part: "html", source: content.html, mode: "html" });
  return parts;
}

/**
 * Variables a source reads that nothing provides: not declared, not built in, or a contact or
 * workspace field that does not exist. Each is named once, as written (`contact.frist_name`).
 */
export function unknownVariables(paths: SegmentArray[], declared: readonly string[]): string[] {
  const unknown = new Set<string>();
  const name = (path: SegmentArray) => path.filter((s): s is string | number => typeof s !== "object").join(".");
  for (const path of paths) {
    const [root, field] = path;
    if (typeof root !== "string") continue;
    if (declared.includes(root) || (LINK_VARIABLES as readonly string[]).includes(root)) continue;
    if (root === "contact") {
      if (
        field === undefined ||
        (typeof field === "string" && (CONTACT_FIELDS as readonly string[]).includes(field)) ||
        Array.isArray(field)
      )
        continue;
      unknown.add(name(path.slice(0, 2)));
      continue;
    }
    if (root === "workspace") {
      if (
        field === undefined ||
        (typeof field === "string" && (WORKSPACE_FIELDS as readonly string[]).includes(field)) ||
        Array.isArray(field)
      )
        continue;
      unknown.add(name(path.slice(0, 2)));
      continue;
    }
    unknown.add(root);
  }
  return [...unknown];
}

/** Variable paths of every part of a variant (parse errors surface to the caller). */
export function variantPaths(content: TemplateContent): SegmentArray[] {
  return variantParts(content).flatMap(({ source, mode }) => liquidGlobalPaths(source, mode));
}
