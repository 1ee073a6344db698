/**
 * Bundles the worker-thread entries into dist/workers (server/lib/worker-bundles.ts). Run by
 * `npm run build` (scripts/lib/build.ts) and by the image build, where esbuild (a dev dependency)
 * is still installed.
 */
import path from "node:path";
import { buildWorkers } from "./lib/build";

process.exit(buildWorkers(path.resolve(__dirname, "..")) ? 0 : 1);
