import os from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";

/**
 * E2E against the real production server (`npm start`: build if needed, migrate, bootstrap,
 * `next start`) on its own port and a throwaway DATA_DIR. One hostname (localhost) everywhere.
 */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3100);
export const E2E_BASE_URL = `http://localhost:${E2E_PORT}`;
export const E2E_ADMIN = { email: "owner@e2e.test", password: "e2e-owner-password" };
/** INIT_ADMIN_API_KEY of the e2e server: every scope in the default workspace (32+ characters, as required). */
export const E2E_ADMIN_API_KEY = "om_e2e_0123456789abcdefghijklmnopqrstuvwxyzABCD";
const dataDir = path.join(os.tmpdir(), `optin-e2e-${process.pid}-${Date.now()}`);

export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 120_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"]],
  outputDir: "test-results/e2e",
  use: {
    baseURL: E2E_BASE_URL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: {
    command: "npx tsx scripts/start.ts",
    url: `${E2E_BASE_URL}/api/health`,
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PORT: String(E2E_PORT),
      PUBLIC_URL: E2E_BASE_URL,
      DATA_DIR: dataDir,
      INIT_ADMIN_EMAIL: E2E_ADMIN.email,
      INIT_ADMIN_PASSWORD: E2E_ADMIN.password,
      INIT_ADMIN_API_KEY: E2E_ADMIN_API_KEY,
      APP_SECRET: "e2e-app-secret-e2e-app-secret-e2e-app-secret",
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
      DATABASE_URL: "",
      RESEND_API_KEY: "",
      TWILIO_ACCOUNT_SID: "",
      INNGEST_DEV: "",
      INNGEST_EVENT_KEY: "",
      INNGEST_SIGNING_KEY: "",
      INNGEST_BASE_URL: "",
    },
  },
});
