import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";

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
    // Transport layer: routers validate, call one service verb, map errors. No SQL here.
    files: ["server/api/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["drizzle-orm", "drizzle-orm/*"], message: "Routers call services; queries live in server/services/." },
            { group: ["@/db", "@/db/*", "**/db/*"], message: "Routers call services; the database lives below them." },
          ],
        },
      ],
    },
  },
  {
    // Services know nothing of HTTP, tRPC, Next.js or Inngest.
    files: ["server/services/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["next", "next/*", "@trpc/*", "inngest", "inngest/*", "@/inngest/*", "@/server/api/*"], message: "Services are transport-agnostic." },
          ],
        },
      ],
    },
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
