import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/layout/auth-card";
import { Button } from "@/components/ui/button";
import { getServerCaller } from "@/server/api/server-caller";
import { AcceptInvitationForm } from "./accept-form";

export const metadata: Metadata = { title: "Join a workspace" };
export const dynamic = "force-dynamic";

export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const { caller } = await getServerCaller();
  const invitation = token.length <= 200 ? await caller.members.previewInvitation({ token }) : null;
  if (!invitation) {
    return (
      <AuthCard
        title="This invitation is no longer valid"
        description="It may have expired, been used already, or been withdrawn. Ask an admin of the workspace to invite you again."
        footer={
          <Button asChild variant="outline" className="w-full">
            <Link href="/sign-in">Go to sign in</Link>
          </Button>
        }
      />
    );
  }
  return (
    <AuthCard title={`Join ${invitation.workspaceName}`} description={`You were invited as ${invitation.role}.`}>
      <AcceptInvitationForm token={token} email={invitation.email} hasAccount={invitation.hasAccount} />
    </AuthCard>
  );
}
