"use server";

import { AuthError } from "next-auth";
import { signIn } from "@/server/auth";

export interface SignInState {
  error?: string;
  email?: string;
}

function safeRedirect(target: FormDataEntryValue | null): string {
  const value = typeof target === "string" ? target : "/";
  // Only same-site paths: never an open redirect.
  return value.startsWith("/") && !value.startsWith("//") ? value : "/";
}

export async function signInWithPasswordAction(_prev: SignInState, formData: FormData): Promise<SignInState> {
  const email = String(formData.get("email") ?? "");
  try {
    await signIn("credentials", {
      email,
      password: String(formData.get("password") ?? ""),
      redirectTo: safeRedirect(formData.get("callbackUrl")),
    });
    return {};
  } catch (error) {
    if (error instanceof AuthError) {
      const code = (error as AuthError & { code?: string }).code;
      return {
        email,
        error:
          code === "rate_limited"
            ? "Too many failed sign-ins. Wait a moment (up to 15 minutes after many failures) and try again."
            : "That email and password do not match an account with access to a workspace.",
      };
    }
    throw error; // Next's redirect on success travels as an exception.
  }
}

export async function signInWithEmailLinkAction(_prev: SignInState, formData: FormData): Promise<SignInState> {
  const email = String(formData.get("email") ?? "");
  try {
    await signIn("email", { email, redirectTo: safeRedirect(formData.get("callbackUrl")) });
    return {};
  } catch (error) {
    if (error instanceof AuthError)
      return { email, error: "We could not send a sign-in link. Try again, or use your password." };
    throw error;
  }
}
