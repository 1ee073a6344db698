import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { MailCheckIcon } from "lucide-react";
import { AuthCard } from "@/components/layout/auth-card";
import { getServerCaller } from "@/server/api/server-caller";
import { getEnv } from "@/server/lib/env";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

const ERRORS: Record<string, string> = {
  Verification: "That sign-in link has expired or was already used. Ask for a new one.",
  AccessDenied: "This account has no access to a workspace.",
  CredentialsSignin: "That email and password do not match an account with access to a workspace.",
};

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const params = await searchParams;
  const { auth } = await getServerCaller();
  if (auth.kind === "session") redirect("/");
  const callbackUrl =
    params.callbackUrl?.startsWith("/") && !params.callbackUrl.startsWith("//") ? params.callbackUrl : "/";

  if (params.check?.startsWith("email")) {
    return (
      <AuthCard
        title="Check your email"
        description="If that address belongs to a member, a sign-in link is on its way. It works once and expires in 15 minutes."
      >
        <div className="flex justify-center py-2 text-primary">
          <MailCheckIcon className="size-10" aria-hidden />
        </div>
      </AuthCard>
    );
  }

  return (
    <AuthCard title="Sign in to OptIn Manager" description="Consent-first messaging for your workspace.">
      <SignInForm
        callbackUrl={callbackUrl}
        magicLinkEnabled={getEnv().isResendConfigured}
        initialError={params.error ? (ERRORS[params.error] ?? "Sign-in failed. Try again.") : undefined}
      />
    </AuthCard>
  );
}
