import {
  conditionIssues,
  describeField,
  groupParts,
  isGroup,
  isSegmentOp,
  parseField,
  SEGMENT_LIMITS,
  valueKind,
  type SegmentFilter,
  type SegmentNode,
  type SegmentOp,
  type SegmentValue,
  type SegmentValueKind,
} from "@/server/shared/segment-filter";

/**
 * The builder's working copy of a filter: the same tree with an id on every node (React keys,
 * error placement), converted to and from the filter the server takes. Pure.
 */
export interface DraftCondition {
  id: string;
  kind: "condition";
  field: string;
  op: string;
  value?: SegmentValue;
}
export interface DraftGroup {
  id: string;
  kind: "group";
  mode: "all" | "any";
  members: DraftNode[];
}
export type DraftNode = DraftCondition | DraftGroup;

let lastId = 0;
function nextId(): string {
  lastId += 1;
  return `node-${lastId}`;
}

export function draftFromFilter(filter: SegmentFilter): DraftGroup {
  const visit = (node: SegmentNode): DraftNode => {
    if (isGroup(node)) {
      const { mode, members } = groupParts(node);
      return { id: nextId(), kind: "group", mode, members: members.map(visit) };
    }
    return { id: nextId(), kind: "condition", field: node.field, op: node.op, value: node.value };
  };
  return visit(filter) as DraftGroup;
}

export function filterFromDraft(root: DraftGroup): SegmentFilter {
  const visit = (node: DraftNode): SegmentNode => {
    if (node.kind === "group") {
      const members = node.members.map(visit);
      return node.mode === "all" ? { all: members } : { any: members };
    }
    return node.value === undefined
      ? { field: node.field, op: node.op }
      : { field: node.field, op: node.op, value: node.value };
  };
  return visit(root) as SegmentFilter;
}

/** The value a fresh condition starts with for this kind of value. */
export function defaultValue(kind: SegmentValueKind): SegmentValue | undefined {
  switch (kind) {
    case "none":
      return undefined;
    case "texts":
    case "scalars":
      return [];
    case "days":
      return 30;
    case "consent":
      return "opted_in";
    case "consents":
      return ["opted_in"];
    default:
      return "";
  }
}

export function kindOf(field: string, op: string): SegmentValueKind | null {
  const def = describeField(field);
  if (!def || !isSegmentOp(op)) return null;
  return valueKind(def.type, op);
}

/** A condition on another field: its first operator, and that operator's starting value. */
export function withField(condition: DraftCondition, field: string): DraftCondition {
  const def = describeField(field);
  const op: SegmentOp | string = def?.ops.includes(condition.op as SegmentOp) ? condition.op : (def?.ops[0] ?? "eq");
  const kind = kindOf(field, op);
  const keep = kind !== null && kind === kindOf(condition.field, condition.op);
  return { ...condition, field, op, value: keep ? condition.value : kind ? defaultValue(kind) : undefined };
}

/** The same condition with another operator; the value stays when it is of the same kind. */
export function withOp(condition: DraftCondition, op: string): DraftCondition {
  const before = kindOf(condition.field, condition.op);
  const after = kindOf(condition.field, op);
  return { ...condition, op, value: before === after ? condition.value : after ? defaultValue(after) : undefined };
}

export function newCondition(): DraftCondition {
  return { id: nextId(), kind: "condition", field: "tags", op: "contains", value: "" };
}

export function newGroup(mode: "all" | "any" = "any"): DraftGroup {
  return { id: nextId(), kind: "group", mode, members: [newCondition()] };
}

/** The tree with `id`'s node replaced by `replace(node)` (or removed when it answers null). */
export function updateNode(root: DraftGroup, id: string, replace: (node: DraftNode) => DraftNode | null): DraftGroup {
  const visit = (node: DraftNode): DraftNode | null => {
    if (node.id === id) return replace(node);
    if (node.kind === "condition") return node;
    const members = node.members.map(visit).filter((m): m is DraftNode => m !== null);
    return { ...node, members };
  };
  return (visit(root) as DraftGroup | null) ?? { ...root, members: [] };
}

/** How deep a group sits (the root is 0). */
export function depthOf(root: DraftGroup, id: string): number {
  const visit = (node: DraftNode, depth: number): number => {
    if (node.id === id) return depth;
    if (node.kind === "condition") return -1;
    for (const member of node.members) {
      const found = visit(member, depth + 1);
      if (found >= 0) return found;
    }
    return -1;
  };
  return visit(root, 0);
}

export const MAX_GROUP_DEPTH = SEGMENT_LIMITS.maxDepth;

/**
 * The node a server-side path points at (`filter.all.1.any.0.value`, or the path of a validation
 * issue: `["filter", "all", 1, "any", 0, "value"]`): the deepest node reached; null when the path
 * is not inside the filter.
 */
export function nodeAtPath(root: DraftGroup, path: readonly (string | number)[] | string): DraftNode | null {
  const parts = typeof path === "string" ? path.split(".") : path.map(String);
  if (parts[0] !== "filter") return null;
  let node: DraftNode = root;
  for (let i = 1; i < parts.length; i += 2) {
    const mode = parts[i];
    const index = Number(parts[i + 1]);
    if (node.kind !== "group" || mode !== node.mode || !Number.isInteger(index)) break;
    const member: DraftNode | undefined = node.members[index];
    if (!member) break;
    node = member;
  }
  return node;
}

/** The builder's own check, per node id: what the server would refuse in the catalogue. */
export function draftIssues(root: DraftGroup): Map<string, string> {
  const issues = new Map<string, string>();
  const visit = (node: DraftNode, depth: number, isRoot: boolean) => {
    if (node.kind === "condition") {
      if (node.field === "attributes.") {
        issues.set(node.id, "Enter the attribute's name");
        return;
      }
      const [first] = conditionIssues(node);
      if (first) issues.set(node.id, first.message);
      return;
    }
    if (node.members.length === 0 && !(isRoot && node.mode === "all")) {
      issues.set(node.id, "Add a condition to this group, or remove it");
    }
    if (depth > SEGMENT_LIMITS.maxDepth)
      issues.set(node.id, `Groups nest at most ${SEGMENT_LIMITS.maxDepth} levels deep`);
    node.members.forEach((member) => visit(member, depth + 1, false));
  };
  visit(root, 0, true);
  return issues;
}

/** The field family the picker shows for a field (consent and last-message fields have their own pickers). */
export function pickerValue(field: string): string {
  const parsed = parseField(field);
  if (field.startsWith("attributes.")) return "attributes";
  if (!parsed) return field;
  if (parsed.kind === "consent") return "consent";
  if (parsed.kind === "last_message") return "lastMessage";
  return field;
}
