import { escapeHtml } from "@/server/shared/html";

/** The sign-in link email: plain text and a small HTML part, no tracking. */
export function magicLinkEmail({ url, expires }: { url: string; expires: Date }) {
  const minutes = Math.max(1, Math.round((expires.getTime() - Date.now()) / 60000));
  const escaped = escapeHtml(url);
  return {
    subject: "Your OptIn Manager sign-in link",
    text: `Sign in to OptIn Manager:\n\n${url}\n\nThe link works once and expires in ${minutes} minutes. If you did not ask for it, ignore this email.`,
    html: `<div style="font-family:system-ui,sans-serif;max-width:480px;margin:24px auto;color:#111">
<h1 style="font-size:20px">Sign in to OptIn Manager</h1>
<p><a href="${escaped}" style="display:inline-block;background:#047857;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">Sign in</a></p>
<p style="color:#555;font-size:14px">The link works once and expires in ${minutes} minutes. If you did not ask for it, ignore this email.</p>
</div>`,
  };
}
