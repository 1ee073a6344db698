import { escapeHtml } from "@/server/shared/html";

/** The email of a notification: its title and body, the link into the app, and where to change it. */
export function notificationEmail(input: {
  workspaceName: string;
  title: string;
  body: string;
  url: string | null;
  preferencesUrl: string;
}) {
  const subject = `${input.title} · ${input.workspaceName}`;
  const lines = [input.title, "", input.body, ...(input.url ? ["", `Open: ${input.url}`] : [])];
  lines.push(
    "",
    `You receive this because of your notification settings in ${input.workspaceName}: ${input.preferencesUrl}`,
  );
  const html = [
    `<p><strong>${escapeHtml(input.title)}</strong></p>`,
    input.body ? `<p>${escapeHtml(input.body)}</p>` : "",
    input.url ? `<p><a href="${escapeHtml(input.url)}">Open in OptIn Manager</a></p>` : "",
    `<p style="color:#666;font-size:12px">You receive this because of your notification settings in ${escapeHtml(input.workspaceName)}. <a href="${escapeHtml(input.preferencesUrl)}">Change them</a>.</p>`,
  ].join("");
  return { subject, text: lines.join("\n"), html };
}
