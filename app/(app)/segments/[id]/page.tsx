import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { SegmentEditor } from "@/components/segments/segment-editor";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Segment" };

export default async function SegmentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  return <SegmentEditor segmentId={id} canEdit={membership.role !== "viewer"} />;
}
