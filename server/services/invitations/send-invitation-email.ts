import { getEnv } from "@/server/lib/env";
import { logger } from "@/server/lib/logger";
import { getEmailTransport } from "@/server/wiring";

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/**
 * Emails the invitation link. With the log transport nothing leaves the machine, so the admin
 * UI shows the link to copy instead (`emailed: false`). A failed send is logged and reported,
 * never fatal: the invitation exists and the link can still be shared.
 */
export async function sendInvitationEmail(input: {
  token: string;
  email: string;
  workspaceName: string;
  inviterName: string;
  role: string;
}): Promise<{ inviteUrl: string; emailed: boolean }> {
  const env = getEnv();
  const inviteUrl = `${env.PUBLIC_URL}/invite/${input.token}`;
  const transport = getEmailTransport();
  try {
    await transport.send({
      from: env.EMAIL_FROM,
      to: input.email,
      subject: `${input.inviterName} invited you to ${input.workspaceName} on OptIn Manager`,
      text: `${input.inviterName} invited you to join ${input.workspaceName} on OptIn Manager as ${input.role}.\n\nAccept the invitation: ${inviteUrl}\n\nThe link expires in 7 days.`,
      html: `<p>${escapeHtml(input.inviterName)} invited you to join <strong>${escapeHtml(input.workspaceName)}</strong> on OptIn Manager as ${escapeHtml(input.role)}.</p><p><a href="${escapeHtml(inviteUrl)}">Accept the invitation</a></p><p>The link expires in 7 days.</p>`,
    });
    return { inviteUrl, emailed: transport.name !== "log" };
  } catch (error) {
    logger.warn({ err: (error as Error).name }, "invitation email failed");
    return { inviteUrl, emailed: false };
  }
}
