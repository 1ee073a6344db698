import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { buildAllWorkerBundles } from "../../server/lib/worker-bundles";

const SOURCES = ["app", "components", "server", "db", "drizzle", "inngest", "public"];
const FILES = [
  "next.config.ts",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "postcss.config.mjs",
  "instrumentation.ts",
];

/** Cheap source fingerprint (paths, sizes, mtimes) so a second `npm start` skips the build. */
export function sourceFingerprint(root: string): string {
  const hash = createHash("sha256");
  const visit = (rel: string) => {
    const abs = path.join(root, rel);
    if (!fs.existsSync(abs)) return;
    const stat = fs.statSync(abs);
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(abs).sort()) visit(path.join(rel, entry));
    } else {
      hash.update(`${rel}:${stat.size}:${stat.mtimeMs}\n`);
    }
  };
  [...SOURCES, ...FILES].forEach(visit);
  return hash.digest("hex");
}

/** Bundles the worker-thread entries (server/lib/worker-bundles.ts) into dist/workers. False when that fails. */
export function buildWorkers(root: string): boolean {
  try {
    for (const file of buildAllWorkerBundles(root)) console.log(`Worker bundle: ${path.relative(root, file)}`);
    return true;
  } catch (error) {
    console.error(`Worker bundle build failed: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
}

/**
 * Runs `next build` unless the last build was made from these exact sources, and bundles the
 * worker threads. False when a build fails.
 */
export function buildIfNeeded(root: string, { force = false }: { force?: boolean } = {}): boolean {
  const marker = path.join(root, ".next", "optin-build-fingerprint");
  const fingerprint = sourceFingerprint(root);
  const upToDate =
    !force &&
    fs.existsSync(path.join(root, ".next", "BUILD_ID")) &&
    fs.existsSync(marker) &&
    fs.readFileSync(marker, "utf8") === fingerprint;
  if (upToDate) return buildWorkers(root);
  console.log(
    force ? "Building the production bundle…" : "Building the production bundle (first start or sources changed)…",
  );
  const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
  const build = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "inherit", env: process.env });
  if (build.status !== 0) return false;
  fs.writeFileSync(marker, fingerprint);
  return buildWorkers(root);
}
