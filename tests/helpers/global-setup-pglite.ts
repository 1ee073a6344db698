import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { TestProject } from "vitest/node";
import { createDbHandle } from "../../db/client";
import { runMigrations } from "../../db/migrate";
import "./provided-context";

/**
 * PGlite: migrated once per run, dumped to a tarball, loaded per test file (initdb is the slow
 * part). Rebuilt every run so a stale template can never hide a migration problem.
 */
export default async function setup(project: TestProject) {
  const templatePath = path.join(os.tmpdir(), `optin-pglite-template-${process.pid}-${Date.now().toString(36)}.tar.gz`);
  const pglite = await PGlite.create();
  const handle = await createDbHandle({ pglite });
  await runMigrations(handle);
  const dump = await pglite.dumpDataDir("gzip");
  fs.writeFileSync(templatePath, Buffer.from(await dump.arrayBuffer()));
  await handle.close();
  project.provide("pgliteTemplatePath", templatePath);
  return () => fs.rmSync(templatePath, { force: true });
}
