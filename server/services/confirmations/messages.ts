import { getEnv } from "@/server/lib/env";

/** The display name of confirmation emails: the workspace's brand on our sender address. */
export function brandedFrom(brand: string, emailFrom = getEnv().EMAIL_FROM): string {
  const match = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(emailFrom);
  const address = match ? match[1]! : emailFrom.trim();
  const name = brand.replace(/[\r\n"<>\\]/g, " ").replace(/\s+/g, " ").trim();
  return name ? `"${name}" <${address}>` : emailFrom;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function listTopics(names: string[]): string {
  if (names.length <= 1) return names[0] ?? "our messages";
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** The double opt-in email: one link, what it subscribes to, what happens if ignored. */
export function confirmationEmail({ brand, topicNames, url, hours }: { brand: string; topicNames: string[]; url: string; hours: number }) {
  const what = listTopics(topicNames);
  const subject = `Confirm your subscription to ${brand}`;
  const text = [
    `Hi,`,
    ``,
    `Someone (hopefully you) asked to receive ${what} from ${brand} at this address.`,
    `Please confirm by opening this link:`,
    ``,
    url,
    ``,
    `The link works for ${hours} hours. If you did not ask for this, ignore this email: you will not be subscribed.`,
    ``,
    `— ${brand}`,
  ].join("\n");
  const html = `<!doctype html><html><body style="margin:0;padding:24px;background:#f4f4f5;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#18181b">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:520px;background:#ffffff;border-radius:12px;padding:32px">
<tr><td style="font-size:14px;font-weight:600;color:#52525b;padding-bottom:16px">${escapeHtml(brand)}</td></tr>
<tr><td style="font-size:22px;font-weight:600;line-height:1.3;padding-bottom:12px">Confirm your subscription</td></tr>
<tr><td style="font-size:15px;line-height:1.6;padding-bottom:24px">Someone (hopefully you) asked to receive <strong>${escapeHtml(what)}</strong> from ${escapeHtml(brand)} at this address. Please confirm to start receiving them.</td></tr>
<tr><td style="padding-bottom:24px"><a href="${escapeHtml(url)}" style="display:inline-block;background:#18181b;color:#ffffff;text-decoration:none;font-weight:600;font-size:15px;padding:12px 20px;border-radius:8px">Confirm my subscription</a></td></tr>
<tr><td style="font-size:13px;line-height:1.6;color:#71717a">The link works for ${hours} hours. If you did not ask for this, ignore this email: you will not be subscribed.<br><br>Or paste this link into your browser:<br><span style="word-break:break-all">${escapeHtml(url)}</span></td></tr>
</table></td></tr></table></body></html>`;
  return { subject, text, html };
}

/** The double opt-in SMS: brand first, the code, its lifetime, and how to opt out. GSM-7 only. */
export function confirmationSms({ brand, code, minutes }: { brand: string; code: string; minutes: number }): string {
  const safeBrand = brand.replace(/[\r\n]+/g, " ").trim();
  return `${safeBrand}: your confirmation code is ${code}. It expires in ${minutes} min. If you did not ask for it, ignore this message. Reply STOP to opt out.`;
}
