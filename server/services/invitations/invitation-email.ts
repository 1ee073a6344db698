import { escapeHtml } from "@/server/shared/html";

/** The invitation email: who invites, to which workspace, as what, the link and its lifetime. */
export function invitationEmail(input: {
  inviteUrl: string;
  workspaceName: string;
  inviterName: string;
  role: string;
}) {
  return {
    subject: `${input.inviterName} invited you to ${input.workspaceName} on OptIn Manager`,
    text: `${input.inviterName} invited you to join ${input.workspaceName} on OptIn Manager as ${input.role}.\n\nAccept the invitation: ${input.inviteUrl}\n\nThe link expires in 7 days.`,
    html: `<p>${escapeHtml(input.inviterName)} invited you to join <strong>${escapeHtml(input.workspaceName)}</strong> on OptIn Manager as ${escapeHtml(input.role)}.</p><p><a href="${escapeHtml(input.inviteUrl)}">Accept the invitation</a></p><p>The link expires in 7 days.</p>`,
  };
}
