import { renderMessagePage } from "@/components/forms/hosted-html";
import { hostedBrand } from "@/components/hosted/theme";
import { systemClock } from "@/server/lib/clock";
import { getDbHandle } from "@/server/lib/db";
import { htmlResponse } from "@/server/lib/public-pages";
import { getPublicForm } from "@/server/services/forms";
import { getWorkspaceBrand } from "@/server/services/workspaces";

/**
 * `GET /f/{formKey}/done`: where a submission lands (303 from `POST /f/{formKey}`).
 * `?check=email` / `sms`: double opt-in is pending, so say where to look; otherwise the form's
 * success message. Shows nothing about the person (the URL holds no personal data).
 */
export async function GET(request: Request, { params }: { params: Promise<{ formKey: string }> }) {
  const { formKey } = await params;
  const url = new URL(request.url);
  const embed = url.searchParams.get("embed") === "1";
  const check = new Set((url.searchParams.get("check") ?? "").split(","));
  const { db } = await getDbHandle();
  const form = await getPublicForm({ ctx: { db, now: systemClock }, input: { key: formKey } });
  const brand = form
    ? hostedBrand(
        (await getWorkspaceBrand({ ctx: { db, now: systemClock }, input: { workspaceId: form.workspaceId } })) ?? {
          name: form.brand,
        },
      )
    : null;

  if (check.has("email") || check.has("sms")) {
    const where =
      check.has("email") && check.has("sms")
        ? "your email and your phone"
        : check.has("email")
          ? "your email"
          : "your phone";
    const how = check.has("email")
      ? "We sent you a link to confirm your subscription. It works for 48 hours; until you click it, you won't receive anything."
      : "We sent you a text message with a code to confirm your subscription.";
    return htmlResponse(
      renderMessagePage({
        brand,
        title: `Check ${where}`,
        message: how,
        icon: check.has("email") ? "mail" : "phone",
        embed,
      }),
      { frameable: embed },
    );
  }
  const message =
    form?.definition.successMessage ||
    "Thanks! You're subscribed. You can change your preferences or unsubscribe at any time from any message we send.";
  return htmlResponse(renderMessagePage({ brand, title: "You're subscribed", message, icon: "ok", embed }), {
    frameable: embed,
  });
}
