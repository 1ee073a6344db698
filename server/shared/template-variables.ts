/**
 * Template variables the UI and the template services agree on: the names the engine provides
 * itself (a declared variable may not shadow them), the built-ins the editor offers, and the rule
 * for a declared variable's name.
 */

/** Names the engine provides itself; a declared variable may not shadow them. */
export const RESERVED_VARIABLE_NAMES = [
  "contact",
  "workspace",
  "unsubscribe_url",
  "preferences_url",
  "web_version_url",
] as const;

/** A declared variable's name: a Liquid identifier. */
export const TEMPLATE_VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when `name` is one of the engine's own names. */
export function isReservedVariableName(name: string): boolean {
  return (RESERVED_VARIABLE_NAMES as readonly string[]).includes(name);
}

/** Names Liquid provides without declaring them, as the editor offers them. */
export const BUILT_IN_VARIABLES = [
  { name: "contact.first_name", hint: 'First name (may be empty: add | default: "there")' },
  { name: "contact.last_name", hint: "Last name" },
  { name: "contact.email", hint: "Email address" },
  { name: "contact.phone", hint: "Phone number" },
  { name: "workspace.name", hint: "Your brand" },
  { name: "unsubscribe_url", hint: "One-click unsubscribe link" },
  { name: "preferences_url", hint: "Preference center link" },
  { name: "web_version_url", hint: "View in your browser link (email campaigns with the web version on)" },
] as const;
