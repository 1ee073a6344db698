import { describe, expect, it } from "vitest";
import { GroupCommit } from "@/server/lib/group-commit";

/** A `run` that records the groups it was given and answers each item doubled, after a tick. */
function recorder(fail?: (items: number[]) => boolean) {
  const groups: number[][] = [];
  const run = async (items: number[]) => {
    groups.push(items);
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (fail?.(items)) throw new Error("group failed");
    return items.map((i) => i * 2);
  };
  return { groups, run };
}

describe("GroupCommit", () => {
  it("starts the first submissions at once, alone, and groups those that arrive while they run", async () => {
    const { groups, run } = recorder();
    const commit = new GroupCommit({ maxInFlight: 2, maxSize: 100, run });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => commit.submit(i)));
    expect(results).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
    expect(groups[0]).toEqual([0]);
    expect(groups[1]).toEqual([1]);
    expect(groups[2]).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("bounds a group by the items' sizes, but always takes at least one item", async () => {
    const { groups, run } = recorder();
    const commit = new GroupCommit({ maxInFlight: 1, maxSize: 10, sizeOf: (n: number) => n, run });
    await Promise.all([1, 4, 5, 3, 20, 2].map((n) => commit.submit(n)));
    expect(groups).toEqual([[1], [4, 5], [3], [20], [2]]);
  });

  it("a failing group is run again item by item: only the bad item fails", async () => {
    const { groups, run } = recorder((items) => items.includes(13));
    const commit = new GroupCommit({ maxInFlight: 1, maxSize: 100, run });
    const settled = await Promise.allSettled([1, 2, 13, 4].map((n) => commit.submit(n)));
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect(
      settled.filter((s) => s.status === "fulfilled").map((s) => (s as PromiseFulfilledResult<number>).value),
    ).toEqual([2, 4, 8]);
    // [1] alone, then [2, 13, 4] together (failed), then each of them alone.
    expect(groups).toEqual([[1], [2, 13, 4], [2], [13], [4]]);
  });
});
