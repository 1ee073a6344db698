import fs from "node:fs";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";

// ─── Layer rules ─────────────────────────────────────────────────────────────────────────────
// Module specifiers are matched as written (`@/…` aliases and relative paths alike).

/**
 * Server code a browser bundle must not load: everything under server/ except server/shared,
 * the database, the jobs, and the drivers. Type-only imports (`import type …`) are erased at
 * build time and stay allowed.
 */
const SERVER_ONLY_MODULE = String.raw`^(?:(?:@/|(?:\.\./)+)(?:server/(?!shared(?:/|$))|db(?:/|$)|inngest(?:/|$))|(?:drizzle-orm|postgres|@electric-sql/pglite|server-only)(?:/|$)|node:)`;
const SERVER_ONLY_MESSAGE =
  "UI code runs in the browser: import server/services, server/lib and db for types only (import type …); shared schemas, labels and constants live in server/shared/.";

/** What server/shared may import: itself, zod, and the pure packages listed here. */
const SHARED_PURE_PACKAGES = ["zod", "libphonenumber-js"];
const SHARED_ALLOWED_MODULE = String.raw`^(?!(?:\./|@/server/shared/|(?:${SHARED_PURE_PACKAGES.join("|")})(?:/|$)))`;
const SHARED_MESSAGE =
  "server/shared is isomorphic (browser and server): it imports only server/shared itself, zod and pure packages listed in eslint.config.mjs; no @/db, @/server/lib, @/server/services, node:*, env or I/O.";

/** The database, seen from a layer that must reach it through a service. */
const DATABASE_MODULE = String.raw`^(?:(?:@/|(?:\.\./)+)(?:db(?:/|$)|server/lib/db$)|(?:drizzle-orm|postgres|@electric-sql/pglite)(?:/|$))`;
const JOB_FUNCTION_MESSAGE = "Inngest functions only call services: move the query into a verb under server/services/.";

/** A query-builder or driver call (see the inngest/functions block). */
const QUERY_ON =
  "CallExpression[callee.property.name=/^(execute|queryRows|select|selectDistinct|insert|update|delete|transaction)$/]";
/** A string that reads as SQL: select … from, insert into, update … set, delete from, with … as (. */
const RAW_SQL = String.raw`/^\s*(select\s[\s\S]*\sfrom\s|insert\s+into\s|update\s+\S+\s+set\s|delete\s+from\s|with\s+\w+\s+as\s*\()/i`;

/** `import("…")` whose literal specifier matches `regex` (no-restricted-imports only sees static imports). */
const dynamicImportOf = (regex) => `ImportExpression[source.value=/${regex.replaceAll("/", "\\/")}/]`;

/**
 * `layers/client-imports`: in a file starting with the "use client" directive, no runtime import
 * of a module matching `pattern` (static, re-export or dynamic `import()`); type-only imports pass.
 */
const layersPlugin = {
  rules: {
    "client-imports": {
      meta: {
        type: "problem",
        schema: [
          {
            type: "object",
            properties: { pattern: { type: "string" }, message: { type: "string" } },
            required: ["pattern", "message"],
            additionalProperties: false,
          },
        ],
        messages: { restricted: "'{{source}}' in a client component: {{message}}" },
      },
      create(context) {
        const [{ pattern, message }] = context.options;
        const body = context.sourceCode.ast.body;
        const isClient = body.some(
          (statement) => statement.type === "ExpressionStatement" && statement.directive === "use client",
        );
        if (!isClient) return {};
        const restricted = new RegExp(pattern, "u");
        const check = (node, source) => {
          if (typeof source === "string" && restricted.test(source))
            context.report({ node, messageId: "restricted", data: { source, message } });
        };
        const typeOnlyImport = (node) =>
          node.importKind === "type" ||
          (node.specifiers.length > 0 &&
            node.specifiers.every((s) => s.type === "ImportSpecifier" && s.importKind === "type"));
        const typeOnlyExport = (node) =>
          node.exportKind === "type" ||
          (node.specifiers?.length > 0 && node.specifiers.every((s) => s.exportKind === "type"));
        return {
          ImportDeclaration(node) {
            if (!typeOnlyImport(node)) check(node, node.source.value);
          },
          ExportNamedDeclaration(node) {
            if (node.source && !typeOnlyExport(node)) check(node, node.source.value);
          },
          ExportAllDeclaration(node) {
            if (node.exportKind !== "type") check(node, node.source.value);
          },
          ImportExpression(node) {
            if (node.source.type === "Literal") check(node, node.source.value);
          },
        };
      },
    },
  },
};

// ─── Provider and service rules (no-restricted-imports) ──────────────────────
// A file gets one set of options per rule (the last matching block wins), so each block below
// lists every pattern that applies to its files. tests/unit/layer-rules.test.ts plants a
// violation of each rule and expects the error.

/** How an import names the provider folder: `@/server/providers/…`, `../../providers/…` from server/, `…/server/providers/…`. */
const PROVIDERS = String.raw`(?:(?:.*/)?server/|(?:\.\./)+)providers`;
/** The provider-neutral contract modules (`providers/types`, `providers/email/types`, `providers/sms/types`). */
const PROVIDER_CONTRACT = String.raw`${PROVIDERS}(?:/[^/]+)?/types`;
const providerMessage =
  "Only the delivery step (server/services/messages/deliver.ts), the composition root (server/wiring.ts) and the provider folder use providers; everything else gets transports from ctx.outbox. Type-only imports of the provider contract (…/types) are allowed.";
const providerPatterns = [
  // The contract: its types name no vendor and vanish at compile time.
  { regex: String.raw`^${PROVIDER_CONTRACT}$`, allowTypeImports: true, message: providerMessage },
  // Everything else under providers (selection, vendor folders, errors): not even types.
  { regex: String.raw`^(?!${PROVIDER_CONTRACT}$)${PROVIDERS}(?:/.*)?$`, message: providerMessage },
];
/** Services receive the outbox in their context; they never reach up to the composition root. */
const wiringPatterns = [
  {
    regex: String.raw`^(?:@/server/wiring|(?:\.\./)+wiring)$`,
    message: "Services get the outbox from ctx.outbox; server/wiring.ts (the composition root) sits above them.",
  },
];
const servicePatterns = [
  {
    group: [
      "next",
      "next/*",
      "@trpc/*",
      "inngest",
      "inngest/*",
      "@/inngest/*",
      "@/server/api/*",
      "@/server/jobs",
      "@/server/jobs/*",
    ],
    message: "Services are transport-agnostic.",
  },
];
const routerPatterns = [
  { group: ["drizzle-orm", "drizzle-orm/*"], message: "Routers call services; queries live in server/services/." },
  { group: ["@/db", "@/db/*", "**/db/*"], message: "Routers call services; the database lives below them." },
];
// ─── Domain faces (no-restricted-imports) ─────────────────────────────────────
// Each folder of server/services is a domain whose index.ts is its public face. Callers above the
// services (routers, route handlers, pages, components, jobs, auth, boot, wiring, scripts, bench)
// import `@/server/services/<domain>`, never a file inside it; services import each other's files
// directly and never an index (an index imports the whole domain: cycles).

/** The domain folders, read from disk so a new domain is covered without touching this file. */
const DOMAINS = fs
  .readdirSync(new URL("./server/services/", import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .join("|");
/** `@/server/services/<domain>/<file>` or `../../server/services/<domain>/<file>` (scripts, bench). */
const DEEP_SERVICE_MODULE = String.raw`^(?:@/|(?:\.\./)+)server/services/(?:${DOMAINS})/.+`;
const DEEP_SERVICE_MESSAGE =
  "Import a domain through its public face, @/server/services/<domain> (its index.ts), not a file inside it.";
const deepServicePatterns = [{ regex: DEEP_SERVICE_MODULE, message: DEEP_SERVICE_MESSAGE }];
/** A domain index seen from inside server/services: `@/server/services/<domain>`, `../<domain>`, `.`, `./index`. */
const SERVICE_INDEX_MODULE = String.raw`^(?:(?:@/server/services/|\.\./)(?:${DOMAINS})(?:/index)?|\.|\./index)$`;
const serviceIndexPatterns = [
  {
    regex: SERVICE_INDEX_MODULE,
    message:
      "Inside server/services, import the file that holds what you need (../contacts/rows), not a domain's index.ts: indexes are for callers above the services.",
  },
];

/** Files that may import providers: the delivery step, the composition root, the provider folder itself, tests. */
const PROVIDER_USERS = ["server/services/messages/deliver.ts", "server/wiring.ts", "server/providers/**", "tests/**"];

export default tseslint.config(
  {
    ignores: [
      ".next/**",
      ".next-bench/**",
      "dist/**",
      "node_modules/**",
      ".data/**",
      "drizzle/**",
      "next-env.d.ts",
      "test-results/**",
      "playwright-report/**",
    ],
  },
  ...tseslint.configs.recommended,
  {
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      // Env is read in one place (server/lib/env.ts).
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read configuration through getEnv() from server/lib/env.ts." },
      ],
    },
  },
  {
    // Providers are reached through the outbox: routes, jobs, scripts and the rest of server/ never import them.
    files: [
      "app/**/*.{ts,tsx}",
      "server/**/*.ts",
      "inngest/**/*.ts",
      "db/**/*.ts",
      "scripts/**/*.ts",
      "bench/**/*.ts",
      "*.ts",
    ],
    ignores: PROVIDER_USERS,
    rules: {
      "no-restricted-imports": ["error", { patterns: [...providerPatterns, ...deepServicePatterns] }],
      "no-restricted-syntax": [
        "error",
        { selector: dynamicImportOf(DEEP_SERVICE_MODULE), message: DEEP_SERVICE_MESSAGE },
      ],
    },
  },
  {
    // The composition root may use providers, and reaches the domains through their faces.
    files: ["server/wiring.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: deepServicePatterns }],
      "no-restricted-syntax": [
        "error",
        { selector: dynamicImportOf(DEEP_SERVICE_MODULE), message: DEEP_SERVICE_MESSAGE },
      ],
    },
  },
  {
    // Transport layer: routers validate, call one service verb, map errors. No SQL here.
    files: ["server/api/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [...routerPatterns, ...providerPatterns, ...deepServicePatterns] },
      ],
    },
  },
  {
    // Services know nothing of HTTP, tRPC, Next.js, Inngest, providers or the composition root.
    files: ["server/services/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [...servicePatterns, ...providerPatterns, ...wiringPatterns, ...serviceIndexPatterns] },
      ],
      "no-restricted-syntax": [
        "error",
        { selector: dynamicImportOf(SERVICE_INDEX_MODULE), message: serviceIndexPatterns[0].message },
      ],
    },
  },
  {
    // The delivery step hands messages to the transports of ctx.outbox: it may use providers.
    files: ["server/services/messages/deliver.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [...servicePatterns, ...wiringPatterns, ...serviceIndexPatterns] },
      ],
    },
  },
  {
    // The UI: components/ never loads server code at runtime (the browser bundles it).
    files: ["components/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: SERVER_ONLY_MODULE, allowTypeImports: true, message: SERVER_ONLY_MESSAGE },
            ...deepServicePatterns,
          ],
        },
      ],
      "no-restricted-syntax": [
        "error",
        { selector: dynamicImportOf(SERVER_ONLY_MODULE), message: SERVER_ONLY_MESSAGE },
      ],
    },
  },
  {
    // Client components under app/ ("use client" files) follow the same rule; server components may import anything.
    files: ["app/**/*.{ts,tsx}"],
    plugins: { layers: layersPlugin },
    rules: { "layers/client-imports": ["error", { pattern: SERVER_ONLY_MODULE, message: SERVER_ONLY_MESSAGE }] },
  },
  {
    // Isomorphic code: the UI and the server both load it.
    files: ["server/shared/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ regex: SHARED_ALLOWED_MODULE, message: SHARED_MESSAGE }] }],
      "no-restricted-syntax": ["error", { selector: "ImportExpression", message: SHARED_MESSAGE }],
      "no-restricted-globals": [
        "error",
        ...["process", "Buffer", "require", "__dirname", "__filename", "fetch", "XMLHttpRequest", "WebSocket"].map(
          (name) => ({ name, message: SHARED_MESSAGE }),
        ),
      ],
    },
  },
  {
    // Jobs are thin: a step gets { db, now } from getJobContext() and hands them to a service verb.
    files: ["inngest/functions/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: DATABASE_MODULE, message: JOB_FUNCTION_MESSAGE },
            ...providerPatterns,
            ...deepServicePatterns,
          ],
        },
      ],
      "no-restricted-syntax": [
        "error",
        { selector: dynamicImportOf(DATABASE_MODULE), message: JOB_FUNCTION_MESSAGE },
        { selector: dynamicImportOf(DEEP_SERVICE_MODULE), message: DEEP_SERVICE_MESSAGE },
        {
          selector: "TaggedTemplateExpression[tag.name='sql'], TaggedTemplateExpression[tag.object.name='sql']",
          message: JOB_FUNCTION_MESSAGE,
        },
        {
          // db.select(…), tx.execute(…), ctx.db.insert(…), handle.queryRows(…)
          selector: [
            QUERY_ON + "[callee.object.name=/^(db|tx|handle)$/]",
            QUERY_ON + "[callee.object.property.name=/^(db|tx|handle)$/]",
          ].join(", "),
          message: JOB_FUNCTION_MESSAGE,
        },
        { selector: `Literal[value=${RAW_SQL}], TemplateElement[value.raw=${RAW_SQL}]`, message: JOB_FUNCTION_MESSAGE },
      ],
    },
  },
  {
    // The in-process runner is generic infrastructure: it knows the Inngest SDK and the job tables,
    // not the app's functions (server/jobs/index.ts binds those) nor the domain.
    files: ["server/jobs/runner/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "@/inngest",
                "@/inngest/*",
                "@/server/services",
                "@/server/services/*",
                "@/server/jobs",
                "@/server/jobs/*",
              ],
              message: "The runner stays generic: the app binds its client and functions in server/jobs/index.ts.",
            },
            ...providerPatterns,
          ],
        },
      ],
    },
  },
  {
    files: [
      "server/lib/env.ts",
      "tests/**",
      "scripts/**",
      "bench/**",
      "playwright.config.ts",
      "vitest.config.mts",
      "drizzle.config.ts",
      "components/providers/**",
    ],
    rules: { "no-restricted-properties": "off" },
  },
  {
    files: ["tests/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
