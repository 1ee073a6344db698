import type { Metadata } from "next";
import { AuditViewer } from "@/components/audit/audit-viewer";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditLogPage() {
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  return <AuditViewer canView={membership.role === "owner" || membership.role === "admin"} />;
}
