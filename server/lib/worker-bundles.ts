import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type * as Esbuild from "esbuild";
import { logger } from "./logger";

/**
 * Worker-thread entry points, bundled by esbuild into one CommonJS file each and loaded by path
 * (`new Worker(file)`), so Next's bundler never sees them and a worker starts without tsx.
 *
 * - `npm run build` (scripts/lib/build.ts) and the Docker image (scripts/build-workers.ts) write
 *   them to the fixed path `dist/workers/<name>.cjs`, with `<name>.meta.json` listing the source
 *   files and their sha256.
 * - Without a build (dev, tests, benches) or when a source changed since, `workerBundlePath`
 *   builds the entry on demand into `node_modules/.cache/optin-workers/` (esbuild is a dev
 *   dependency; the production image has the prebuilt file and the same sources).
 *
 * Paths are resolved from the working directory (the app root: `npm start`, the image's WORKDIR,
 * vitest and the benches all run there): inside Next's server bundle `__dirname` is not the
 * source directory.
 */
export const WORKER_ENTRIES = {
  "import-prepare": "server/services/imports/prepare-worker.ts",
  background: "server/jobs/thread/worker.ts",
} as const;

export type WorkerName = keyof typeof WORKER_ENTRIES;

interface BundleMeta {
  entry: string;
  /** Source file (relative to the root) → sha256 of its content. */
  inputs: Record<string, string>;
}

export const PREBUILT_DIR = path.join("dist", "workers");
const CACHE_DIR = path.join("node_modules", ".cache", "optin-workers");

function sha256File(file: string): string | undefined {
  try {
    return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  } catch {
    return undefined;
  }
}

/** True when the bundle at `file` exists and was built from the sources as they are now. */
function isFresh(root: string, file: string): boolean {
  const metaFile = file.replace(/\.cjs$/, ".meta.json");
  if (!fs.existsSync(file) || !fs.existsSync(metaFile)) return false;
  try {
    const meta = JSON.parse(fs.readFileSync(metaFile, "utf8")) as BundleMeta;
    return Object.entries(meta.inputs).every(([input, hash]) => sha256File(path.join(root, input)) === hash);
  } catch {
    return false;
  }
}

/**
 * Bundles worker `name` into `outDir/<name>.cjs` (+ its meta file), synchronously (about a second;
 * once per process at most, or at build time). Throws when esbuild is not installed (a production
 * install) or the build fails.
 */
export function buildWorkerBundle(root: string, name: WorkerName, outDir: string): string {
  // Required at run time from the app root, out of sight of Next's bundler.
  const esbuild = createRequire(path.join(root, "package.json"))("esbuild") as typeof Esbuild;
  const absOut = path.resolve(root, outDir);
  fs.mkdirSync(absOut, { recursive: true });
  const outfile = path.join(absOut, `${name}.cjs`);
  // Written under a temporary name and renamed: a concurrent process never loads half a file.
  const tmp = `${outfile}.${process.pid}.${Date.now()}.tmp`;
  const result = esbuild.buildSync({
    absWorkingDir: root,
    entryPoints: [WORKER_ENTRIES[name]],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    outfile: tmp,
    metafile: true,
    logLevel: "silent",
    tsconfig: path.join(root, "tsconfig.json"),
  });
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs).sort()) {
    const hash = sha256File(path.join(root, input));
    if (hash) inputs[input] = hash;
  }
  const meta: BundleMeta = { entry: WORKER_ENTRIES[name], inputs };
  fs.writeFileSync(outfile.replace(/\.cjs$/, ".meta.json"), JSON.stringify(meta));
  fs.renameSync(tmp, outfile);
  return outfile;
}

const resolved = new Map<WorkerName, Promise<string | undefined>>();

/**
 * Path of an up-to-date bundle of worker `name`: the prebuilt one when fresh, else one built on
 * demand into the cache (once per process). When nothing can be built (no esbuild) a stale
 * prebuilt bundle is still used; undefined when there is none (callers then run the work inline).
 */
export function workerBundlePath(name: WorkerName, root: string = process.cwd()): Promise<string | undefined> {
  let found = resolved.get(name);
  if (!found) {
    found = locate(name, root);
    resolved.set(name, found);
  }
  return found;
}

async function locate(name: WorkerName, root: string): Promise<string | undefined> {
  const prebuilt = path.join(root, PREBUILT_DIR, `${name}.cjs`);
  if (isFresh(root, prebuilt)) return prebuilt;
  const cached = path.join(root, CACHE_DIR, `${name}.cjs`);
  if (isFresh(root, cached)) return cached;
  try {
    return buildWorkerBundle(root, name, CACHE_DIR);
  } catch (error) {
    if (fs.existsSync(prebuilt)) {
      logger.warn({ worker: name }, "worker bundle may be stale and cannot be rebuilt here; using it");
      return prebuilt;
    }
    logger.warn(
      { worker: name, error: error instanceof Error ? error.message.slice(0, 200) : String(error) },
      "worker bundle unavailable; running that work on the main thread",
    );
    return undefined;
  }
}

/** Bundles every worker entry into the fixed prebuilt directory (`npm run build`, the image build). */
export function buildAllWorkerBundles(root: string): string[] {
  return (Object.keys(WORKER_ENTRIES) as WorkerName[]).map((name) => {
    const prebuilt = path.join(root, PREBUILT_DIR, `${name}.cjs`);
    return isFresh(root, prebuilt) ? prebuilt : buildWorkerBundle(root, name, PREBUILT_DIR);
  });
}
