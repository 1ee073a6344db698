import { describe, expect, it } from "vitest";
import {
  depthOf,
  draftFromFilter,
  draftIssues,
  filterFromDraft,
  newCondition,
  newGroup,
  nodeAtPath,
  pickerValue,
  updateNode,
  withField,
  withOp,
  type DraftCondition,
  type DraftGroup,
} from "@/components/segments/filter-draft";
import type { SegmentFilter } from "@/server/shared/segment-filter";

/** The segment builder's working copy of a filter (components/segments/filter-draft.ts). */

const FILTER: SegmentFilter = {
  all: [
    { field: "tags", op: "contains", value: "vip" },
    {
      any: [
        { field: "attributes.plan", op: "eq", value: "pro" },
        { field: "country", op: "eq", value: "CA" },
      ],
    },
    { field: "email", op: "exists" },
  ],
};

describe("segment builder draft", () => {
  it("round-trips a filter, with a distinct id on every node", () => {
    const draft = draftFromFilter(FILTER);
    expect(filterFromDraft(draft)).toEqual(FILTER);
    const ids = new Set<string>();
    const visit = (node: DraftGroup | DraftCondition) => {
      ids.add(node.id);
      if (node.kind === "group") node.members.forEach(visit);
    };
    visit(draft);
    expect(ids.size).toBe(6);
  });

  it("places a server path on the node it names (the deepest one reached)", () => {
    const draft = draftFromFilter(FILTER);
    const group = draft.members[1] as DraftGroup;
    expect(nodeAtPath(draft, ["filter", "all", 1, "any", 1, "value"])?.id).toBe(group.members[1]!.id);
    expect(nodeAtPath(draft, "filter.all.0.field")?.id).toBe(draft.members[0]!.id);
    expect(nodeAtPath(draft, ["filter"])?.id).toBe(draft.id);
    expect(nodeAtPath(draft, ["filter", "any", 0])?.id).toBe(draft.id);
    expect(nodeAtPath(draft, ["name"])).toBeNull();
  });

  it("changing the field keeps what still fits, and resets what does not", () => {
    const tag: DraftCondition = { id: "x", kind: "condition", field: "tags", op: "contains", value: "vip" };
    expect(withField(tag, "locale")).toMatchObject({ op: "contains", value: "vip" });
    expect(withField(tag, "country")).toMatchObject({ op: "eq", value: "vip" });
    expect(withField(tag, "createdAt")).toMatchObject({ op: "gt", value: "" });
    expect(withField(tag, "consent.newsletter.email")).toMatchObject({ op: "eq", value: "opted_in" });
    expect(withField(tag, "lastMessage.any")).toMatchObject({ op: "within_days", value: 30 });
    expect(withOp(tag, "in")).toMatchObject({ value: [] });
    expect(withOp(tag, "exists").value).toBeUndefined();
    expect(filterFromDraft({ id: "r", kind: "group", mode: "all", members: [withOp(tag, "exists")] })).toEqual({
      all: [{ field: "tags", op: "exists" }],
    });
  });

  it("adds, nests and removes nodes; knows each group's depth", () => {
    let draft = draftFromFilter({ all: [] });
    const group = newGroup("any");
    draft = updateNode(draft, draft.id, (node) => ({ ...(node as DraftGroup), members: [newCondition(), group] }));
    expect(depthOf(draft, group.id)).toBe(1);
    draft = updateNode(draft, group.members[0]!.id, () => null);
    expect((draft.members[1] as DraftGroup).members).toHaveLength(0);
    expect(draftIssues(draft).get(group.id)).toContain("Add a condition");
  });

  it("checks conditions as the server does, by node", () => {
    const draft = draftFromFilter({
      all: [
        { field: "tags", op: "contains", value: "" },
        { field: "firstName", op: "eq", value: "Ann" },
        { field: "attributes.", op: "eq", value: "x" },
        { field: "createdAt", op: "within_days", value: 30 },
      ],
    });
    const issues = draftIssues(draft);
    expect(issues.get(draft.members[0]!.id)).toContain("Enter a value");
    expect(issues.get(draft.members[1]!.id)).toContain("supports exists, not_exists");
    expect(issues.get(draft.members[2]!.id)).toBe("Enter the attribute's name");
    expect(issues.has(draft.members[3]!.id)).toBe(false);
    expect(draftIssues(draftFromFilter({ all: [] })).size).toBe(0);
  });

  it("shows families in the field picker", () => {
    expect(pickerValue("consent.newsletter.sms")).toBe("consent");
    expect(pickerValue("lastMessage.email")).toBe("lastMessage");
    expect(pickerValue("attributes.plan")).toBe("attributes");
    expect(pickerValue("attributes.")).toBe("attributes");
    expect(pickerValue("createdAt")).toBe("createdAt");
  });
});
