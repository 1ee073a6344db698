/**
 * A throwaway PostgreSQL database for one benchmark run, created on BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres) and dropped (with force) at the end.
 */
import { randomBytes } from "node:crypto";

export interface ScratchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
  /** Closes the admin connection and leaves the database in place (to look at it afterwards). */
  keep(): Promise<void>;
}

export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const postgres = (await import("postgres")).default;
  const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      await admin.unsafe(`drop database if exists "${name}" with (force)`).catch(() => {});
      await admin.end();
    },
    async keep() {
      await admin.end();
    },
  };
}
