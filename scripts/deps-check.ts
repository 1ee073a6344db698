/**
 * `npm run deps:check`: the security-sensitive dependencies (the web framework, sign-in, the two
 * provider SDKs, the template engine) must be on the newest release of their pinned major. Asks the
 * npm registry (not an advisory service, which this project cannot rely on) and exits 1 when one is
 * behind, naming it. Every dependency is pinned to an exact version (tests/unit/dependencies.test.ts).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const WATCHED = ["next", "next-auth", "twilio", "resend", "liquidjs"] as const;

interface Version {
  major: number;
  minor: number;
  patch: number;
  pre: string;
  raw: string;
}

function parse(raw: string): Version | null {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:-(.+))?$/.exec(raw);
  return match ? { major: +match[1]!, minor: +match[2]!, patch: +match[3]!, pre: match[4] ?? "", raw } : null;
}

function compare(a: Version, b: Version): number {
  if (a.major !== b.major) return a.major - b.major;
  if (a.minor !== b.minor) return a.minor - b.minor;
  if (a.patch !== b.patch) return a.patch - b.patch;
  if (a.pre === b.pre) return 0;
  if (!a.pre) return 1;
  if (!b.pre) return -1;
  return a.pre.localeCompare(b.pre, "en", { numeric: true });
}

/**
 * The newest version in `pinned`'s major. Stable pins only look at stable releases; a pre-release
 * pin (next-auth 5 is only published as betas) looks at the same pre-release line.
 */
export function newestInMajor(pinned: string, published: string[]): string {
  const current = parse(pinned);
  if (!current) return pinned;
  const line = current.pre.replace(/\.?\d+$/, "");
  const candidates = published
    .map(parse)
    .filter((v): v is Version => v !== null && v.major === current.major)
    .filter((v) => (current.pre ? v.pre === "" || v.pre.replace(/\.?\d+$/, "") === line : v.pre === ""));
  return candidates.reduce((best, v) => (compare(v, best) > 0 ? v : best), current).raw;
}

function main() {
  const root = path.resolve(__dirname, "..");
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  let behind = 0;
  for (const name of WATCHED) {
    const pinned = pkg.dependencies[name]!;
    const published = JSON.parse(
      execFileSync("npm", ["view", name, "versions", "--json"], { encoding: "utf8" }),
    ) as string[];
    const newest = newestInMajor(pinned, published);
    const ok = newest === pinned;
    if (!ok) behind++;
    console.log(
      `${ok ? "ok     " : "BEHIND "} ${name.padEnd(10)} pinned ${pinned.padEnd(16)} newest in its major ${newest}`,
    );
  }
  if (behind > 0) {
    console.error(
      `${behind} security-sensitive dependenc${behind === 1 ? "y is" : "ies are"} behind: update package.json and the README's Security table.`,
    );
    process.exit(1);
  }
}

if (require.main === module) main();
