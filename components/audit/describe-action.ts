/** Human wording for audit actions; unknown actions fall back to their key. */
const LABELS: Record<string, string> = {
  "auth.sign_in": "signed in",
  "api_key.created": "created an API key",
  "api_key.revoked": "revoked an API key",
  "member.invited": "invited a member",
  "member.invitation_revoked": "withdrew an invitation",
  "member.joined": "joined the workspace",
  "member.role_changed": "changed a member's role",
  "member.removed": "removed a member",
  "member.bootstrapped": "set up the workspace owner",
  "workspace.updated": "updated workspace settings",
  "user.profile_updated": "updated their profile",
  "user.password_changed": "changed their password",
  "auth.verification_tokens.purged": "purged expired sign-in links",
  "invitations.expired_purged": "cleared expired invitations",
  "notification_preferences.updated": "changed their notification preferences",
  "notifications.pruned": "deleted old notifications",
  "workspace.messaging_settings_updated": "updated messaging settings",
  "workspace.sms_pricing_updated": "updated SMS prices",
  "workspace.tracking_settings_updated": "updated tracking settings",
  "workspace.seed_list_updated": "updated the campaign seed list",
  "contact.created": "created a contact",
  "contact.updated": "updated a contact",
  "contact.revealed": "revealed a contact's full details",
  "contact.erased": "erased a contact",
  "contact.exported": "exported a contact's data",
  "contacts.exported": "exported contacts",
  "consent.opted_in": "recorded an opt-in",
  "consent.opted_out": "recorded an opt-out",
  "consent.confirmed": "confirmed a double opt-in",
  "consent.expired": "expired an unconfirmed opt-in",
  "consent.confirmation_requested": "sent a confirmation request",
  "suppression.added": "added a suppression",
  "suppression.removed": "lifted a suppression",
  "topic.created": "created a topic",
  "topic.updated": "updated a topic",
  "form.created": "created a form",
  "form.updated": "published a form version",
  "import.started": "started an import",
  "import.completed": "completed an import",
  "import.failed": "had an import fail",
  "import.resumed": "resumed an interrupted import",
  "template.created": "created a template",
  "template.updated": "saved a new template version",
  "template.restored": "restored a template version",
  "template.archived": "archived a template",
  "template.unarchived": "restored an archived template",
  "message.retried": "retried a message",
  "message.resent": "resent a message",
};

/** Actions the viewer offers as filters, with their wording, in the order above. */
export const KNOWN_AUDIT_ACTIONS = Object.entries(LABELS).map(([action, label]) => ({ action, label }));

export function describeAction(action: string): string {
  return LABELS[action] ?? action.replace(/[._]/g, " ");
}

export function describeActor(entry: { actorType: string; actorLabel: string | null }): string {
  if (entry.actorLabel) return entry.actorLabel;
  switch (entry.actorType) {
    case "apiKey":
      return "An API key";
    case "system":
      return "System";
    case "provider":
      return "A provider";
    case "contact":
      return "A contact";
    default:
      return "Someone";
  }
}
