import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { claimEmbeddedDatabase, EmbeddedDatabaseInUseError } from "@/server/lib/embedded-db-lock";

const dirs: string[] = [];
function pgliteDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optin-lock-"));
  dirs.push(dir);
  return path.join(dir, "pglite");
}

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe("claimEmbeddedDatabase", () => {
  it("writes this process's pid beside the directory and removes it on release", () => {
    const dir = pgliteDir();
    const release = claimEmbeddedDatabase(dir);
    expect(fs.readFileSync(`${dir}.lock`, "utf8").trim()).toBe(String(process.pid));
    release();
    expect(fs.existsSync(`${dir}.lock`)).toBe(false);
  });

  it("refuses while another live process holds it, naming the pid and what to do", async () => {
    const dir = pgliteDir();
    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    try {
      fs.writeFileSync(`${dir}.lock`, `${other.pid}\n`);
      expect(() => claimEmbeddedDatabase(dir)).toThrowError(EmbeddedDatabaseInUseError);
      expect(() => claimEmbeddedDatabase(dir)).toThrowError(
        new RegExp(`in use by another process \\(pid ${other.pid}\\)\\. Stop the server first`),
      );
      expect(fs.readFileSync(`${dir}.lock`, "utf8").trim()).toBe(String(other.pid));
    } finally {
      other.kill("SIGKILL");
      await new Promise((resolve) => other.once("exit", resolve));
    }
    // Its owner is gone (killed, as a crashed server would be): the lock is taken over.
    const release = claimEmbeddedDatabase(dir);
    expect(fs.readFileSync(`${dir}.lock`, "utf8").trim()).toBe(String(process.pid));
    release();
  });

  it("takes over a lock that names no readable pid", () => {
    const dir = pgliteDir();
    fs.writeFileSync(`${dir}.lock`, "garbage");
    const release = claimEmbeddedDatabase(dir);
    expect(fs.readFileSync(`${dir}.lock`, "utf8").trim()).toBe(String(process.pid));
    release();
  });
});
