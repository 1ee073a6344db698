/**
 * Escapes text for HTML: element content and quoted attribute values (either quote). The five
 * characters HTML gives a meaning to become entities; everything else is left as it is. Used by
 * every page and email the product writes as a string (hosted form pages, email layouts,
 * invitation and sign-in emails, embed snippets).
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}

const HTML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
