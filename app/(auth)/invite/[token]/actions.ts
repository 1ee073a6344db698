"use server";

import { redirect } from "next/navigation";
import { TRPCError } from "@trpc/server";
import { zodIssues } from "@/server/api/errors";
import { getServerCaller } from "@/server/api/server-caller";
import { fieldErrorsOf, issueSummary } from "@/server/shared/error-messages";
import { signIn } from "@/server/auth";

export interface AcceptState {
  error?: string;
  fieldErrors?: Record<string, string>;
}

export async function acceptInvitationAction(_prev: AcceptState, formData: FormData): Promise<AcceptState> {
  const token = String(formData.get("token") ?? "");
  const hasAccount = formData.get("hasAccount") === "1";
  const password = hasAccount ? undefined : String(formData.get("password") ?? "");
  const name = hasAccount ? undefined : String(formData.get("name") ?? "");
  if (!hasAccount && password !== String(formData.get("confirm") ?? "")) {
    return { fieldErrors: { confirm: "The passwords do not match" } };
  }
  const { caller } = await getServerCaller();
  let email: string;
  try {
    ({ email } = await caller.members.acceptInvitation({ token, name, password }));
  } catch (error) {
    if (error instanceof TRPCError) {
      const issues = error.code === "BAD_REQUEST" ? zodIssues(error) : undefined;
      if (issues?.length) return { fieldErrors: fieldErrorsOf(issues), error: issueSummary(issues) };
      const field = error.code === "BAD_REQUEST" ? (error.cause as { field?: string } | undefined)?.field : undefined;
      if (field) return { fieldErrors: { [field]: error.message } };
      if (error.code === "NOT_FOUND")
        return { error: "This invitation is no longer valid. Ask an admin for a new one." };
      return { error: error.message };
    }
    throw error;
  }
  if (hasAccount) redirect(`/sign-in?callbackUrl=/`);
  await signIn("credentials", { email, password, redirectTo: "/" });
  return {};
}
