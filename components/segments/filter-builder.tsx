"use client";

import * as React from "react";
import { ListPlusIcon, PlusIcon, Trash2Icon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { ConditionRow, DATALIST_IDS, type BuilderOptions } from "./condition-row";
import {
  MAX_GROUP_DEPTH,
  newCondition,
  newGroup,
  updateNode,
  type DraftCondition,
  type DraftGroup,
  type DraftNode,
} from "./filter-draft";

interface BuilderContext {
  readOnly: boolean;
  options: BuilderOptions;
  /** Problems to show, by node id. */
  errors: ReadonlyMap<string, string>;
  update: (id: string, replace: (node: DraftNode) => DraftNode | null) => void;
}

/**
 * The visual filter: nested groups, each combining its conditions with ALL (and) or ANY (or),
 * conditions added, removed and edited in place. `root` is controlled; every edit hands the new
 * tree to `onChange`.
 */
export function FilterBuilder({
  root,
  onChange,
  readOnly,
  options,
  errors,
}: {
  root: DraftGroup;
  onChange: (root: DraftGroup) => void;
  readOnly: boolean;
  options: BuilderOptions;
  errors: ReadonlyMap<string, string>;
}) {
  const context: BuilderContext = {
    readOnly,
    options,
    errors,
    update: (id, replace) => onChange(updateNode(root, id, replace)),
  };
  return (
    <>
      <GroupEditor group={root} depth={0} context={context} />
      <datalist id={DATALIST_IDS.tags}>
        {options.tags.map((tag) => (
          <option key={tag} value={tag} />
        ))}
      </datalist>
      <datalist id={DATALIST_IDS.attributes}>
        {options.attributeKeys.map((key) => (
          <option key={key} value={key} />
        ))}
      </datalist>
    </>
  );
}

function ModeToggle({
  mode,
  readOnly,
  onChange,
}: {
  mode: "all" | "any";
  readOnly: boolean;
  onChange: (mode: "all" | "any") => void;
}) {
  return (
    <div role="radiogroup" aria-label="Combine with" className="inline-flex rounded-md border bg-muted/40 p-0.5">
      {(["all", "any"] as const).map((m) => (
        <button
          key={m}
          type="button"
          role="radio"
          aria-checked={mode === m}
          disabled={readOnly}
          onClick={() => onChange(m)}
          className={cn(
            "rounded-[5px] px-2.5 py-0.5 text-xs font-semibold tracking-wide uppercase transition-colors",
            mode === m ? "bg-background text-foreground shadow-xs" : "text-muted-foreground hover:text-foreground",
          )}
        >
          {m}
        </button>
      ))}
    </div>
  );
}

function GroupEditor({ group, depth, context }: { group: DraftGroup; depth: number; context: BuilderContext }) {
  const { readOnly, errors, update } = context;
  const isRoot = depth === 0;
  const error = errors.get(group.id);
  const errorId = React.useId();
  const setGroup = (patch: Partial<DraftGroup>) => update(group.id, (node) => ({ ...(node as DraftGroup), ...patch }));
  const joiner = group.mode === "all" ? "and" : "or";

  return (
    <div
      role="group"
      aria-label={isRoot ? "Filter" : `Group of conditions, level ${depth}`}
      aria-describedby={error ? errorId : undefined}
      data-testid="segment-group"
      data-mode={group.mode}
      className={cn("grid gap-3", !isRoot && "rounded-lg border border-dashed bg-muted/30 p-3")}
    >
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span className="text-muted-foreground">{isRoot ? "Contacts matching" : "Matching"}</span>
        <ModeToggle mode={group.mode} readOnly={readOnly} onChange={(mode) => setGroup({ mode })} />
        <span className="text-muted-foreground">of these conditions</span>
        {!isRoot && !readOnly ? (
          <Button
            type="button"
            variant="ghost"
            size="sm"
            className="ml-auto text-muted-foreground"
            onClick={() => update(group.id, () => null)}
          >
            <Trash2Icon />
            Remove group
          </Button>
        ) : null}
      </div>
      {error ? (
        <p id={errorId} role="alert" className="text-xs font-medium text-destructive">
          {error}
        </p>
      ) : null}

      {group.members.length === 0 ? (
        <p className="rounded-lg border border-dashed px-3 py-4 text-center text-sm text-muted-foreground">
          {isRoot ? "No conditions yet: every contact matches." : "This group is empty."}
        </p>
      ) : (
        <ol className="grid gap-2">
          {group.members.map((member, index) => (
            <li key={member.id} className="grid gap-2">
              {index > 0 ? (
                <span className="pl-1 text-xs font-semibold tracking-wide text-muted-foreground uppercase">
                  {joiner}
                </span>
              ) : null}
              {member.kind === "group" ? (
                <GroupEditor group={member} depth={depth + 1} context={context} />
              ) : (
                <ConditionRow
                  condition={member}
                  index={index}
                  error={errors.get(member.id)}
                  readOnly={readOnly}
                  options={context.options}
                  onChange={(next: DraftCondition) => update(member.id, () => next)}
                  onRemove={() => update(member.id, () => null)}
                />
              )}
            </li>
          ))}
        </ol>
      )}

      {!readOnly ? (
        <div className="flex flex-wrap gap-2">
          <Button
            type="button"
            variant="outline"
            size="sm"
            onClick={() => setGroup({ members: [...group.members, newCondition()] })}
          >
            <PlusIcon />
            Add condition
          </Button>
          {depth < MAX_GROUP_DEPTH ? (
            <Button
              type="button"
              variant="outline"
              size="sm"
              onClick={() => setGroup({ members: [...group.members, newGroup(group.mode === "all" ? "any" : "all")] })}
            >
              <ListPlusIcon />
              Add group
            </Button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
