import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { createDbHandle } from "../../db/client";
import { runMigrations } from "../../db/migrate";
import "./provided-context";

/**
 * PostgreSQL (TEST_DATABASE_URL): a migrated template database per run; each test file copies it
 * with `CREATE DATABASE … TEMPLATE` and drops its copy. Everything this run made is dropped at the end.
 */
export default async function setup(project: TestProject) {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error("integration-postgres needs TEST_DATABASE_URL");
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  const templateDb = `optin_tpl_${runId}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${templateDb}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${templateDb}`;
  const handle = await createDbHandle({ databaseUrl: url.toString(), maxConnections: 1 });
  await runMigrations(handle);
  await handle.close();
  await admin.end();
  project.provide("postgresTemplateDb", templateDb);

  return async () => {
    const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} });
    const leftovers = await cleanup.unsafe<{ datname: string }[]>(
      `select datname from pg_database where datname like 'optin_t_${runId}%' or datname = '${templateDb}'`,
    );
    for (const { datname } of leftovers) await cleanup.unsafe(`drop database if exists "${datname}" with (force)`);
    await cleanup.end();
  };
}
