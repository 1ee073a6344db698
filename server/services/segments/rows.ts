import { and, eq, inArray, isNull, ne, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "@/db/client";
import { segmentCounts, segments, topics, type SegmentCountRow, type SegmentRow } from "@/db/schema";
import { emailLookupKey, maskPhone, normalizeEmail, normalizePhone } from "@/server/lib/addresses";
import { blindIndex } from "@/server/lib/crypto";
import { AppError, invalid, notFound } from "@/server/lib/errors";
import { maskEmail } from "@/server/lib/logger";
import {
  groupParts,
  isGroup,
  referencedSegments,
  type SegmentFilter,
  type SegmentNode,
} from "@/server/shared/segment-filter";
import type { Actor } from "../context";
import { workspaceRegion } from "../contacts/rows";
import { seesFullPii } from "../contacts/mask-contact";
import { compileSegmentFilter, resolveSegmentReferences, segmentWhere, type ReferenceLoader } from "./compile-segment";
import type { TSegment, TSegmentCount } from "./schemas";

/** One segment of the workspace; another workspace's (or a malformed id) is NOT_FOUND. */
export async function findSegment(
  db: Queryable,
  workspaceId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<SegmentRow> {
  if (!z.uuid().safeParse(id).success) throw notFound("Segment");
  const query = db
    .select()
    .from(segments)
    .where(and(eq(segments.workspaceId, workspaceId), eq(segments.id, id)));
  const [row] = options.lock ? await query.for("update") : await query;
  if (!row) throw notFound("Segment");
  return row;
}

export async function readSegmentCount(db: Queryable, segmentId: string): Promise<SegmentCountRow | undefined> {
  const [row] = await db.select().from(segmentCounts).where(eq(segmentCounts.segmentId, segmentId));
  return row;
}

export function toSegmentCount(row: SegmentCountRow): TSegmentCount {
  return { count: row.count, status: row.status, computedAt: row.computedAt, version: row.version };
}

/** Email and phone values of a filter's conditions, transformed (masked for display and audit). */
function mapAddressValues(
  filter: SegmentFilter,
  map: (field: "email" | "phone", value: string) => string,
): SegmentFilter {
  const visit = (node: SegmentNode): SegmentNode => {
    if (isGroup(node)) {
      const { mode, members } = groupParts(node);
      return mode === "all" ? { all: members.map(visit) } : { any: members.map(visit) };
    }
    if (node.field !== "email" && node.field !== "phone") return node;
    const field = node.field;
    const one = (v: string | number) => (typeof v === "string" ? map(field, v) : v);
    if (typeof node.value === "string") return { ...node, value: one(node.value) };
    if (Array.isArray(node.value)) return { ...node, value: node.value.map(one) };
    return node;
  };
  return visit(filter) as SegmentFilter;
}

/**
 * The filter with the email addresses and phone numbers it names masked (`a•••@example.com`,
 * `+1 ••• ••• 4567`): what the audit log keeps (never raw personal data) and what callers who
 * see contacts masked are answered.
 */
export function maskFilterAddresses(filter: SegmentFilter): SegmentFilter {
  return mapAddressValues(filter, (field, value) => (field === "email" ? maskEmail(value) : maskPhone(value)));
}

/** The filter as this actor may read it. */
export function filterForActor(actor: Actor, filter: SegmentFilter): SegmentFilter {
  return seesFullPii(actor) ? filter : maskFilterAddresses(filter);
}

export function toSegment(row: SegmentRow, count: SegmentCountRow | null | undefined, actor: Actor): TSegment {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    filter: filterForActor(actor, row.filter),
    version: row.version,
    archived: row.archivedAt !== null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    count: count && count.version === row.version ? toSegmentCount(count) : null,
  };
}

/** Topics and segments of one workspace, as the compiler's resolution reads them. */
export function segmentLoader(db: Queryable, workspaceId: string): ReferenceLoader {
  return {
    async topicIds(keys) {
      const rows = await db
        .select({ id: topics.id, key: topics.key })
        .from(topics)
        .where(and(eq(topics.workspaceId, workspaceId), inArray(topics.key, keys)));
      return new Map(rows.map((r) => [r.key, r.id]));
    },
    async segment(id) {
      if (!z.uuid().safeParse(id).success) return null;
      const [row] = await db
        .select()
        .from(segments)
        .where(and(eq(segments.workspaceId, workspaceId), eq(segments.id, id)));
      return row ? { id: row.id, name: row.name, filter: row.filter, archived: row.archivedAt !== null } : null;
    },
  };
}

/** Masked values come back from a masked answer; they are not addresses to look up. */
const MASK = "•";

/**
 * The SQL condition of a segment's members for this workspace at `now`: references resolved
 * (unknown topic or segment, cycle → INVALID naming the condition), every value bound.
 * `self` is the segment the filter belongs to (saved or being edited).
 */
export async function compileForWorkspace(
  db: Queryable,
  workspaceId: string,
  now: Date,
  filter: SegmentFilter,
  options: { self?: { id: string; name: string }; field?: string } = {},
): Promise<SQL> {
  const refs = await resolveSegmentReferences(filter, segmentLoader(db, workspaceId), options);
  const region = await workspaceRegion(db, workspaceId);
  const compiled = compileSegmentFilter(
    filter,
    {
      workspaceId,
      now,
      ...refs,
      addressHash(kind, value) {
        if (value.includes(MASK)) return null;
        if (kind === "email") {
          const email = normalizeEmail(value);
          return email.ok ? blindIndex(workspaceId, "email", emailLookupKey(email.value)) : null;
        }
        const phone = normalizePhone(value, region);
        return phone.ok ? blindIndex(workspaceId, "phone", phone.value) : null;
      },
    },
    { field: options.field },
  );
  return segmentWhere(compiled, workspaceId);
}

/** Non-archived segments of the workspace (other than `exceptId`) whose filter names `segmentId`. */
export async function segmentsUsing(
  db: Queryable,
  workspaceId: string,
  segmentId: string,
): Promise<{ id: string; name: string }[]> {
  const rows = await db
    .select({ id: segments.id, name: segments.name, filter: segments.filter })
    .from(segments)
    .where(and(eq(segments.workspaceId, workspaceId), isNull(segments.archivedAt), ne(segments.id, segmentId)));
  return rows
    .filter((row) => referencedSegments(row.filter).some((ref) => ref.id === segmentId))
    .map(({ id, name }) => ({ id, name }));
}

/** Whether an error (or its cause) is a unique violation. */
export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: string }).code === "23505") return true;
  }
  return false;
}

/** Whether another segment of the workspace that is not archived has this name (ignoring case). */
export async function nameInUse(db: Queryable, workspaceId: string, name: string, exceptId: string): Promise<boolean> {
  const [other] = await db
    .select({ id: segments.id })
    .from(segments)
    .where(
      and(
        eq(segments.workspaceId, workspaceId),
        isNull(segments.archivedAt),
        ne(segments.id, exceptId),
        sql`lower(${segments.name}) = lower(${name})`,
      ),
    );
  return other !== undefined;
}

/** CONFLICT: the name is used by another segment that is not archived. */
export function nameTaken(name: string): AppError {
  return new AppError("CONFLICT", `A segment named "${name}" already exists`, { field: "name" });
}

/**
 * The keyset cursor of a preview page: `created_at` as Postgres prints it (microseconds) and the
 * id, so rows created in the same millisecond are neither skipped nor repeated.
 */
export function encodeCursor(createdAtText: string, id: string): string {
  return Buffer.from(`${createdAtText}|${id}`, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (!createdAt || !id || !z.uuid().safeParse(id).success || Number.isNaN(Date.parse(createdAt))) {
    throw invalid("This page link is no longer valid; start from the first page", "cursor");
  }
  return { createdAt, id };
}
