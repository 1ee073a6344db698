import { renderMessagePage } from "@/components/forms/hosted-html";
import { htmlResponse } from "@/server/lib/public-pages";

/** A tracked link that is not ours (altered, made up, or its message was deleted): 404, never a redirect. */
export function linkNotFound(): Response {
  return htmlResponse(
    renderMessagePage({
      brand: null,
      title: "Link not found",
      message: "This link is not valid. Please check that you copied all of it.",
      icon: "warn",
    }),
    { status: 404 },
  );
}
