import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { EnvError, parseEnv } from "@/server/lib/env";

const key = (byte: number) => Buffer.alloc(32, byte).toString("base64");

describe("environment validation", () => {
  it("applies the contract's defaults on an empty environment", () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.PUBLIC_URL).toBe("http://localhost:3000");
    expect(env.DATA_DIR).toBe("./.data");
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.INIT_ADMIN_EMAIL).toBe("admin@example.com");
    expect(env.DEFAULT_REGION).toBe("US");
    expect(env.EMAIL_FROM).toBe("OptIn Manager <noreply@localhost>");
    expect(env.isInngestServerConfigured).toBe(false);
    expect(env.isResendConfigured).toBe(false);
  });

  it("MIGRATE_ON_START defaults on, reads true/false words, and refuses anything else", () => {
    expect(parseEnv({}).MIGRATE_ON_START).toBe(true);
    expect(parseEnv({ MIGRATE_ON_START: "" }).MIGRATE_ON_START).toBe(true);
    for (const off of ["false", "0", "no", "off", " FALSE "])
      expect(parseEnv({ MIGRATE_ON_START: off }).MIGRATE_ON_START).toBe(false);
    for (const on of ["true", "1", "yes", "on"]) expect(parseEnv({ MIGRATE_ON_START: on }).MIGRATE_ON_START).toBe(true);
    expect(() => parseEnv({ MIGRATE_ON_START: "flase" })).toThrow(
      /^Invalid environment: MIGRATE_ON_START must be true or false/,
    );
  });

  it("PUBLIC_URL follows PORT and loses a trailing slash", () => {
    expect(parseEnv({ PORT: "4100" }).PUBLIC_URL).toBe("http://localhost:4100");
    expect(parseEnv({ PUBLIC_URL: "https://optin.example.com/" }).PUBLIC_URL).toBe("https://optin.example.com");
  });

  it("an unparseable DATABASE_URL fails with one line naming the variable", () => {
    expect(() => parseEnv({ DATABASE_URL: "nonsense" })).toThrow(EnvError);
    try {
      parseEnv({ DATABASE_URL: "nonsense" });
    } catch (error) {
      expect((error as Error).message).toMatch(/^Invalid environment: DATABASE_URL /);
      expect((error as Error).message).not.toContain("\n");
    }
    expect(() => parseEnv({ DATABASE_URL: "mysql://x@y/z" })).toThrow(/DATABASE_URL/);
    expect(parseEnv({ DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test" }).DATABASE_URL).toContain("postgres://");
  });

  it("ENCRYPTION_KEYS must be keyId:base64 of 32 bytes, first is current", () => {
    const env = parseEnv({ ENCRYPTION_KEYS: `k2:${key(2)},k1:${key(1)}` });
    expect(env.ENCRYPTION_KEYS?.map((k) => k.id)).toEqual(["k2", "k1"]);
    expect(env.ENCRYPTION_KEYS?.[0]?.key.length).toBe(32);
    expect(() => parseEnv({ ENCRYPTION_KEYS: "k1:c2hvcnQ=" })).toThrow(/ENCRYPTION_KEYS/);
    expect(() => parseEnv({ ENCRYPTION_KEYS: "not-a-key" })).toThrow(/ENCRYPTION_KEYS/);
    expect(() => parseEnv({ ENCRYPTION_KEYS: `k1:${key(1)},k1:${key(2)}` })).toThrow(/twice/);
  });

  it("rejects a bad PORT, region and short APP_SECRET, naming each", () => {
    expect(() => parseEnv({ PORT: "http" })).toThrow(/PORT/);
    expect(() => parseEnv({ DEFAULT_REGION: "USA" })).toThrow(/DEFAULT_REGION/);
    expect(() => parseEnv({ APP_SECRET: "short" })).toThrow(/APP_SECRET/);
    expect(parseEnv({ DEFAULT_REGION: "gb" }).DEFAULT_REGION).toBe("GB");
  });

  it("any Inngest setting switches job execution to the Inngest server", () => {
    expect(parseEnv({ INNGEST_DEV: "1" }).isInngestServerConfigured).toBe(true);
    expect(parseEnv({ INNGEST_DEV: "0" }).isInngestServerConfigured).toBe(false);
    expect(parseEnv({ INNGEST_EVENT_KEY: "x" }).isInngestServerConfigured).toBe(true);
    expect(parseEnv({ INNGEST_BASE_URL: "http://127.0.0.1:8288" }).isInngestServerConfigured).toBe(true);
  });

  it("INIT_ADMIN_API_KEY shorter than 32 characters, or not random-looking, refuses start-up naming it", () => {
    for (const weak of [
      "k",
      "e2e-admin-key",
      "x".repeat(40),
      "abcdabcdabcdabcdabcdabcdabcdabcdabcd",
      `${"a".repeat(20)} ${"b".repeat(20)}`,
    ]) {
      expect(() => parseEnv({ INIT_ADMIN_API_KEY: weak })).toThrow(/^Invalid environment: INIT_ADMIN_API_KEY /);
    }
    const generated = `om_${"Q7v_x2LmZ9pR4sT8uW1yB3cD5eF6gH0jK".padEnd(43, "n")}`;
    expect(parseEnv({ INIT_ADMIN_API_KEY: generated }).INIT_ADMIN_API_KEY).toBe(generated);
    const random = randomBytes(32).toString("base64");
    expect(parseEnv({ INIT_ADMIN_API_KEY: random }).INIT_ADMIN_API_KEY).toBe(random);
  });

  it("TRUSTED_PROXIES takes IPs and CIDR blocks, none by default, and names a bad entry", () => {
    expect(parseEnv({}).TRUSTED_PROXIES).toEqual([]);
    expect(parseEnv({ TRUSTED_PROXIES: "10.0.0.0/8, 127.0.0.1,fd00::/8" }).TRUSTED_PROXIES).toEqual([
      { address: "10.0.0.0", family: "ipv4", prefix: 8 },
      { address: "127.0.0.1", family: "ipv4", prefix: 32 },
      { address: "fd00::", family: "ipv6", prefix: 8 },
    ]);
    expect(() => parseEnv({ TRUSTED_PROXIES: "10.0.0.0/33" })).toThrow(/TRUSTED_PROXIES/);
    expect(() => parseEnv({ TRUSTED_PROXIES: "proxy.internal" })).toThrow(/TRUSTED_PROXIES/);
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", PORT: "" }).DATABASE_URL).toBeUndefined();
  });
});
