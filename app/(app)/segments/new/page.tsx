import type { Metadata } from "next";
import { SegmentEditor } from "@/components/segments/segment-editor";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "New segment" };

export default async function NewSegmentPage() {
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  return <SegmentEditor canEdit={membership.role !== "viewer"} />;
}
