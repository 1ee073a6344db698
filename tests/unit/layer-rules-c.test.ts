import fs from "node:fs";
import path from "node:path";
import { ESLint, type Linter } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * The layer rules of eslint.config.mjs, proven on planted code: each rule must catch a violation
 * (so a rule that stops matching fails here), and legal code next to it must lint clean.
 * Files are linted by their would-be path; nothing is written to disk.
 */
const ROOT = path.resolve(__dirname, "../..");
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

async function lint(filePath: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, filePath) });
  return result!.messages;
}

/** The rule ids reported, once each. */
const rules = (messages: Linter.LintMessage[]) => [...new Set(messages.map((m) => m.ruleId))];

describe("components/ imports server code for types only", () => {
  it.each([
    [
      "a service",
      'import { getPreferences } from "@/server/services/preferences";\nexport const load = getPreferences;\n',
    ],
    ["server/lib", 'import { getEnv } from "@/server/lib/env";\nexport const env = getEnv;\n'],
    ["the database schema", 'import { contacts } from "@/db/schema";\nexport const table = contacts;\n'],
    [
      "server/lib by a relative path",
      'import { countRows } from "../../server/lib/db";\nexport const count = countRows;\n',
    ],
    ["a service re-exported", 'export { ZFormDetail } from "@/server/services/forms";\n'],
  ])("refuses a runtime import of %s", async (_what, code) => {
    const messages = await lint("components/planted/widget.tsx", code);
    expect(rules(messages)).toContain("no-restricted-imports");
    expect(messages.find((m) => m.ruleId === "no-restricted-imports")!.message).toContain("server/shared");
  });

  it("refuses a dynamic import() of the database", async () => {
    const messages = await lint("components/planted/lazy.ts", 'export const load = () => import("@/db/client");\n');
    expect(rules(messages)).toEqual(["no-restricted-syntax"]);
  });

  it("allows type-only imports of services and the schema, and value imports from server/shared", async () => {
    const code = [
      'import type { Preferences } from "@/server/services/preferences";',
      'import { type TemplateRow } from "@/db/schema";',
      'import { CHANNELS, type Channel } from "@/server/shared/enums";',
      'import { countSmsSegments } from "@/server/shared/sms-segments";',
      "export function describe(p: Preferences, row: TemplateRow, channel: Channel): string {",
      "  return `${p.contactId} ${row.id} ${CHANNELS.indexOf(channel)} ${countSmsSegments(row.key).segments}`;",
      "}",
      "",
    ].join("\n");
    expect(await lint("components/planted/legal.tsx", code)).toEqual([]);
  });
});

describe('"use client" files under app/ follow the same rule', () => {
  const serviceImport =
    'import { savePreferences } from "@/server/services/preferences";\nexport const save = savePreferences;\n';

  it("refuses a runtime service import in a client component", async () => {
    const messages = await lint("app/planted/form.tsx", `"use client";\n\n${serviceImport}`);
    expect(rules(messages)).toEqual(["layers/client-imports"]);
    expect(messages[0]!.message).toContain("@/server/services/preferences");
  });

  it("lets a server component import services, and a client component import their types", async () => {
    expect(await lint("app/planted/page.tsx", serviceImport)).toEqual([]);
    const typeOnly =
      '"use client";\n\nimport type { Preferences } from "@/server/services/preferences";\nexport type View = Preferences;\n';
    expect(await lint("app/planted/view.tsx", typeOnly)).toEqual([]);
  });
});

describe("inngest/functions/ only call services", () => {
  it.each([
    [
      "the database schema",
      'import { messages } from "@/db/schema";\nexport const table = messages;\n',
      "no-restricted-imports",
    ],
    [
      "the db singleton",
      'import { getDbHandle } from "@/server/lib/db";\nexport const open = getDbHandle;\n',
      "no-restricted-imports",
    ],
    ["drizzle-orm", 'import { sql } from "drizzle-orm";\nexport const q = sql;\n', "no-restricted-imports"],
    ["a dynamic import of the database", 'export const open = () => import("@/db/client");\n', "no-restricted-syntax"],
    [
      "a query on the job's database",
      "export async function step(ctx: { db: { execute(q: string): Promise<unknown> } }) {\n  return ctx.db.execute(query);\n}\nconst query = 'x';\n",
      "no-restricted-syntax",
    ],
    [
      "a raw SQL string",
      "export const query = \"delete from job_runs where status = 'failed'\";\n",
      "no-restricted-syntax",
    ],
  ])("refuses %s", async (_what, code, rule) => {
    const messages = await lint("inngest/functions/planted.ts", code);
    expect(rules(messages)).toContain(rule);
    expect(messages.find((m) => m.ruleId === rule)!.message).toContain("server/services/");
  });

  it("passes a real function: steps take { db, now } from the job context and call a service", async () => {
    const file = "inngest/functions/expire-confirmations.ts";
    expect(await lint(file, fs.readFileSync(path.join(ROOT, file), "utf8"))).toEqual([]);
  });
});

describe("server/shared/ is isomorphic", () => {
  it.each([
    ["the db singleton", 'import { getDbHandle } from "@/server/lib/db";\nexport const open = getDbHandle;\n'],
    ["a database type", 'import type { Channel } from "@/db/schema";\nexport type C = Channel;\n'],
    [
      "a service",
      'import { getMessagingSettings } from "@/server/services/policy";\nexport const d = getMessagingSettings;\n',
    ],
    ["a Node built-in", 'import fs from "node:fs";\nexport const read = fs.readFileSync;\n'],
    [
      "a module outside the folder by a relative path",
      'import { getEnv } from "../lib/env";\nexport const env = getEnv;\n',
    ],
  ])("refuses %s", async (_what, code) => {
    const messages = await lint("server/shared/planted.ts", code);
    expect(rules(messages)).toContain("no-restricted-imports");
    expect(messages.find((m) => m.ruleId === "no-restricted-imports")!.message).toContain("isomorphic");
  });

  it("refuses the environment", async () => {
    const messages = await lint("server/shared/planted.ts", "export const region = process.env.DEFAULT_REGION;\n");
    expect(rules(messages)).toContain("no-restricted-globals");
  });

  it("allows itself and zod", async () => {
    const code = [
      'import { z } from "zod";',
      'import { CHANNELS } from "./enums";',
      'import { FORM_FIELD_NAMES } from "@/server/shared/forms";',
      "export const ZPlanted = z.object({ channel: z.enum(CHANNELS), field: z.enum(FORM_FIELD_NAMES) });",
      "",
    ].join("\n");
    expect(await lint("server/shared/planted.ts", code)).toEqual([]);
  });
});

describe("server/jobs/runner/ stays generic", () => {
  it("refuses the app's functions", async () => {
    const messages = await lint(
      "server/jobs/runner/planted.ts",
      'import { functions } from "@/inngest/functions";\nexport const all = functions;\n',
    );
    expect(rules(messages)).toEqual(["no-restricted-imports"]);
  });
});
