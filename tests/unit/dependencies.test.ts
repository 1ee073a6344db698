import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { newestInMajor, WATCHED } from "@/scripts/deps-check";

const root = path.resolve(__dirname, "../..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string }>;
};
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
const EXACT = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

describe("dependencies are pinned and listed", () => {
  it("every dependency and dev dependency is pinned to an exact version, and the lock file installs that version", () => {
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect(version, name).toMatch(EXACT);
      expect(lock.packages[`node_modules/${name}`]?.version, `${name} in package-lock.json`).toBe(version);
    }
  });

  it("the README's Security section lists every production dependency with its exact version, and nothing else", () => {
    const section = readme.slice(
      readme.indexOf("## Security"),
      readme.indexOf("\n## ", readme.indexOf("## Security") + 5),
    );
    const listed = Object.fromEntries(
      [...section.matchAll(/^\| `([^`]+)` \| ([^ |]+) \|/gm)].map((m) => [m[1]!, m[2]!]),
    );
    expect(listed).toEqual(pkg.dependencies);
  });

  it("the security-sensitive packages are production dependencies", () => {
    for (const name of WATCHED) expect(pkg.dependencies[name], name).toMatch(EXACT);
  });
});

describe("deps:check compares within the pinned major", () => {
  it("finds a newer patch or minor of the same major, never the next major", () => {
    expect(newestInMajor("16.4.6", ["16.4.5", "16.4.6", "16.4.7", "16.5.0", "17.0.0", "16.6.0-canary.3"])).toBe(
      "16.5.0",
    );
    expect(newestInMajor("6.3.1", ["6.3.1", "7.0.0"])).toBe("6.3.1");
  });

  it("a beta pin follows its beta line (and a stable release of that major)", () => {
    expect(newestInMajor("5.0.0-beta.32", ["5.0.0-beta.30", "5.0.0-beta.32", "5.0.0-beta.33", "4.24.15"])).toBe(
      "5.0.0-beta.33",
    );
    expect(newestInMajor("5.0.0-beta.32", ["5.0.0-beta.32", "5.0.0"])).toBe("5.0.0");
  });
});
