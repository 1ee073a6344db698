import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";

// ─── Layer rules (no-restricted-imports) ─────────────────────────────────────
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
const wiringPatterns = [{ regex: String.raw`^(?:@/server/wiring|(?:\.\./)+wiring)$`, message: "Services get the outbox from ctx.outbox; server/wiring.ts (the composition root) sits above them." }];
const servicePatterns = [
  { group: ["next", "next/*", "@trpc/*", "inngest", "inngest/*", "@/inngest/*", "@/server/api/*"], message: "Services are transport-agnostic." },
];
const routerPatterns = [
  { group: ["drizzle-orm", "drizzle-orm/*"], message: "Routers call services; queries live in server/services/." },
  { group: ["@/db", "@/db/*", "**/db/*"], message: "Routers call services; the database lives below them." },
];
/** Files that may import providers: the delivery step, the composition root, the provider folder itself, tests. */
const PROVIDER_USERS = ["server/services/messages/deliver.ts", "server/wiring.ts", "server/providers/**", "tests/**"];
/**
 * Services that still call a transport directly, through the composition root's
 * getEmailTransport/getSmsTransport: removed when confirmations/invitations/magic links go through
 * the outbox.
 */
const DIRECT_TRANSPORT_SERVICES = ["server/services/confirmations/request-confirmation.ts", "server/services/invitations/send-invitation-email.ts"];

export default tseslint.config(
  {
    ignores: [".next/**", "node_modules/**", ".data/**", "drizzle/**", "next-env.d.ts", "test-results/**", "playwright-report/**"],
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
    files: ["app/**/*.{ts,tsx}", "server/**/*.ts", "inngest/**/*.ts", "db/**/*.ts", "scripts/**/*.ts", "bench/**/*.ts", "*.ts"],
    ignores: PROVIDER_USERS,
    rules: { "no-restricted-imports": ["error", { patterns: providerPatterns }] },
  },
  {
    // Transport layer: routers validate, call one service verb, map errors. No SQL here.
    files: ["server/api/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [...routerPatterns, ...providerPatterns] }] },
  },
  {
    // Services know nothing of HTTP, tRPC, Next.js, Inngest, providers or the composition root.
    files: ["server/services/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [...servicePatterns, ...providerPatterns, ...wiringPatterns] }] },
  },
  {
    // The delivery step hands messages to the transports of ctx.outbox: it may use providers.
    files: ["server/services/messages/deliver.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [...servicePatterns, ...wiringPatterns] }] },
  },
  {
    // Temporary: removed when confirmations/invitations/magic links go through the outbox.
    files: DIRECT_TRANSPORT_SERVICES,
    rules: { "no-restricted-imports": ["error", { patterns: [...servicePatterns, ...providerPatterns] }] },
  },
  {
    files: ["server/lib/env.ts", "tests/**", "scripts/**", "bench/**", "playwright.config.ts", "vitest.config.mts", "drizzle.config.ts", "components/providers/**"],
    rules: { "no-restricted-properties": "off" },
  },
  {
    files: ["tests/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
