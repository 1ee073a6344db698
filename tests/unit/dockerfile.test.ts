import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The container image: a slim Node base, a non-root user, a health check, nothing secret or local
 * copied in, and the paths the server writes to declared as volumes (read-only root filesystem).
 */
const root = path.resolve(__dirname, "../..");

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions of a Dockerfile: comments dropped, `\` continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .join("\n")
    .replace(/\\\n/g, " ");
  return joined
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = "", ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
}

/** The instructions of the last stage (from its FROM on). */
function finalStage(instructions: Instruction[]): Instruction[] {
  const lastFrom = instructions.map((i) => i.keyword).lastIndexOf("FROM");
  return instructions.slice(lastFrom);
}

const dockerfile = parseDockerfile(fs.readFileSync(path.join(root, "Dockerfile"), "utf8"));
const runtime = finalStage(dockerfile);
const dockerignore = fs
  .readFileSync(path.join(root, ".dockerignore"), "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));

describe("Dockerfile", () => {
  it("the final stage runs on a slim Node image", () => {
    expect(runtime[0]!.keyword).toBe("FROM");
    expect(runtime[0]!.args).toMatch(/^node:[\w.-]*-slim(\s+AS\s+\w+)?$/i);
  });

  it("every stage pins a Node image, none is a full (non-slim) one", () => {
    for (const from of dockerfile.filter((i) => i.keyword === "FROM")) expect(from.args).toMatch(/^node:\S+-slim\b/);
  });

  it("runs as a non-root user, set after the last root-only step", () => {
    const users = runtime.filter((i) => i.keyword === "USER");
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!.args.split(":")[0]!;
    expect(["root", "0", ""]).not.toContain(user);
    expect(runtime.map((i) => i.keyword).lastIndexOf("USER")).toBeGreaterThan(
      runtime.map((i) => i.keyword).lastIndexOf("RUN"),
    );
  });

  it("has a HEALTHCHECK on /api/health", () => {
    const health = runtime.find((i) => i.keyword === "HEALTHCHECK");
    expect(health?.args).toMatch(/\/api\/health/);
  });

  it("copies no local data or env files", () => {
    for (const copy of dockerfile.filter((i) => i.keyword === "COPY" || i.keyword === "ADD"))
      expect(copy.args, copy.args).not.toMatch(/(^|[\s/])\.(data|env)\b/);
  });

  it("declares volumes where the server writes (read-only root filesystem)", () => {
    const volumes = runtime.filter((i) => i.keyword === "VOLUME").flatMap((i) => JSON.parse(i.args) as string[]);
    const dataDir = /DATA_DIR=(\S+)/.exec(
      runtime
        .filter((i) => i.keyword === "ENV")
        .map((i) => i.args)
        .join(" "),
    )?.[1];
    expect(dataDir).toBeDefined();
    expect(volumes).toEqual(expect.arrayContaining([dataDir, "/tmp", "/app/.next/cache"]));
  });

  it("runs the server the chart's probes and migration Job expect", () => {
    expect(runtime.find((i) => i.keyword === "CMD")?.args).toBe('["node", "--import", "tsx", "scripts/serve.ts"]');
    // scripts/migrate.ts and the migrations are in the image.
    const copies = runtime
      .filter((i) => i.keyword === "COPY")
      .map((i) => i.args)
      .join("\n");
    expect(copies).toMatch(/\/app\/scripts/);
    expect(copies).toMatch(/\/app\/drizzle/);
  });

  it("builds the import's worker bundle before dev dependencies are pruned, and ships it", () => {
    const runs = dockerfile.filter((i) => i.keyword === "RUN").map((i) => i.args);
    const build = runs.find((args) => args.includes("scripts/build-workers.ts"));
    expect(build).toBeDefined();
    expect(build!.indexOf("scripts/build-workers.ts")).toBeLessThan(build!.indexOf("npm prune"));
    const copies = runtime.filter((i) => i.keyword === "COPY").map((i) => i.args);
    expect(copies).toContainEqual(expect.stringMatching(/\/app\/dist \.\/dist$/));
  });
});

describe(".dockerignore", () => {
  it.each([
    ".env",
    ".env.*",
    ".data",
    "node_modules",
    ".git",
    "test-results",
    "playwright-report",
    ".next",
    "coverage",
  ])("keeps %s out of the build context", (entry) => {
    expect(dockerignore).toContain(entry);
  });
});
