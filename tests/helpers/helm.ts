import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseAllDocuments, stringify } from "yaml";

/** The repository root and the chart. */
export const repoRoot = path.resolve(__dirname, "../..");
export const chartDir = path.join(repoRoot, "chart");

export interface HelmResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/** Runs the pinned helm (scripts/helm.sh, fetched and cached on first use). */
export function helm(args: string[]): HelmResult {
  try {
    const stdout = execFileSync("bash", [path.join(repoRoot, "scripts/helm.sh"), ...args], {
      cwd: repoRoot,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 32 * 1024 * 1024,
    });
    return { ok: true, stdout, stderr: "" };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** Writes values to a temporary file for `-f`. */
export function valuesFile(values: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optin-helm-values-"));
  const file = path.join(dir, "values.yaml");
  fs.writeFileSync(file, stringify(values));
  return file;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** Every object of a multi-document YAML stream (empty documents skipped). */
export function parseObjects(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`invalid YAML: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as K8sObject | null;
    if (value) objects.push(value);
  }
  return objects;
}

/** `helm template` of the chart with these values; throws with helm's message when refused. */
export function renderChart(values: Record<string, unknown> = {}): K8sObject[] {
  const result = helm(["template", "optin", chartDir, "--namespace", "mail", "-f", valuesFile(values)]);
  if (!result.ok) throw new Error(result.stderr.trim());
  return parseObjects(result.stdout);
}
