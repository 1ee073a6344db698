import { redirect } from "next/navigation";
import { AppShell } from "@/components/layout/app-shell";
import { TrpcReactProvider } from "@/components/providers/trpc-provider";
import { getServerCaller } from "@/server/api/server-caller";
import { signOut } from "@/server/auth";
import { switchWorkspaceAction } from "./workspace-actions";

export const dynamic = "force-dynamic";

async function signOutAction() {
  "use server";
  await signOut({ redirectTo: "/sign-in" });
}

export default async function SignedInLayout({ children }: { children: React.ReactNode }) {
  const { auth } = await getServerCaller();
  if (auth.kind !== "session") redirect("/sign-in");
  const { membership } = auth;
  return (
    <TrpcReactProvider>
      <AppShell
        workspaceId={membership.workspace.id}
        workspaceName={membership.workspace.name}
        workspaces={membership.workspaces.map((w) => ({ id: w.workspaceId, name: w.name, role: w.role }))}
        switchWorkspaceAction={switchWorkspaceAction}
        user={{ name: membership.user.name, email: membership.user.email, role: membership.role }}
        signOutAction={signOutAction}
      >
        {children}
      </AppShell>
    </TrpcReactProvider>
  );
}
