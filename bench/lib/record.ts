import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const HEADER = [
  "# Benchmark results",
  "",
  "One row per `npm run bench -- <name> … --record` run, appended by the benchmark itself. Figures are",
  "the last-line JSON object of that run (ratios compare with a baseline measured in the same run, so",
  "they carry across machines better than absolute times do). Older rows stay for the trend.",
  "",
  "| date (UTC) | commit | bench | arguments | cores | ratio | figures |",
  "|---|---|---|---|---|---|---|",
  "",
].join("\n");

/** Keys shown in the "figures" column, in this order, when the summary has them (nested objects skipped). */
const SKIP = new Set(["ratio"]);

function commitOf(root: string): string {
  try {
    // `git` also resolves worktrees and packed refs; a tree with local changes is marked "+".
    const run = (args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
    return `${run(["rev-parse", "--short", "HEAD"])}${run(["status", "--porcelain", "--untracked-files=no"]) ? "+" : ""}`;
  } catch {
    return "?";
  }
}

function cell(value: unknown): string {
  return String(value).replaceAll("|", "\\|");
}

/** The "figures" cell: scalar fields of the summary as `key=value`, at most `limit` of them. */
export function figuresCell(summary: Record<string, unknown>, limit = 16): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(summary)) {
    if (SKIP.has(key)) continue;
    if (value === null || ["number", "string", "boolean"].includes(typeof value)) parts.push(`${key}=${value}`);
    if (parts.length >= limit) break;
  }
  return cell(parts.join(", "));
}

/** One table row for a finished benchmark run. */
export function resultRow(input: {
  date: Date;
  commit: string;
  name: string;
  args: string[];
  cores: number;
  summary: Record<string, unknown>;
}): string {
  const args = input.args.filter((a) => a !== "--record").join(" ");
  const ratio = typeof input.summary.ratio === "number" ? String(input.summary.ratio) : "—";
  return `| ${input.date.toISOString().slice(0, 16).replace("T", " ")} | ${input.commit} | ${cell(input.name)} | ${cell(args) || "—"} | ${input.cores} | ${ratio} | ${figuresCell(input.summary)} |`;
}

/** Appends the row for this run to bench/RESULTS.md (creating it with its header). */
export function recordResult(name: string, args: string[], lastLine: string): string {
  const summary = JSON.parse(lastLine) as Record<string, unknown>;
  const root = process.cwd();
  const file = path.join(root, "bench", "RESULTS.md");
  if (!fs.existsSync(file)) fs.writeFileSync(file, HEADER);
  const row = resultRow({ date: new Date(), commit: commitOf(root), name, args, cores: os.cpus().length, summary });
  fs.appendFileSync(file, `${row}\n`);
  return file;
}
