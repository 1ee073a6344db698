/**
 * Benchmark dispatcher: `npm run bench -- <name> [--size N] [--db pglite|postgres]`.
 * Each benchmark is `bench/<name>.ts` exporting `run(options)`; its last stdout line is one JSON object.
 */
import os from "node:os";
import path from "node:path";

export interface BenchOptions {
  size?: number;
  db: "pglite" | "postgres";
  args: string[];
}

function parseArgs(argv: string[]): { name: string | undefined; options: BenchOptions } {
  const [name, ...rest] = argv;
  const options: BenchOptions = { db: "pglite", args: rest };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const [flag, inline] = arg.split("=", 2) as [string, string | undefined];
    const value = () => inline ?? rest[++i];
    if (flag === "--size") options.size = Number(value());
    else if (flag === "--db") options.db = value() === "postgres" ? "postgres" : "pglite";
  }
  if (options.size !== undefined && (!Number.isInteger(options.size) || options.size <= 0))
    throw new Error("--size must be a positive integer");
  return { name, options };
}

async function main() {
  const { name, options } = parseArgs(process.argv.slice(2));
  if (!name || !/^[a-z0-9-]+$/.test(name)) {
    console.error(
      "usage: npm run bench -- <name> [--size N] [--db pglite|postgres]   (benchmarks: import, send, webhooks, fanout, delivery)",
    );
    process.exit(2);
  }
  // Benchmarks run outside the app: deterministic throwaway secrets, no jobs, quiet logs.
  process.env.APP_SECRET ??= "bench-app-secret-bench-app-secret-0123456789";
  process.env.ENCRYPTION_KEYS ??= `b1:${Buffer.alloc(32, 11).toString("base64")}`;
  process.env.DATA_DIR ??= path.join(os.tmpdir(), `optin-bench-data-${process.pid}`);
  process.env.JOBS_DISABLED = "1";
  process.env.LOG_LEVEL ??= "warn";
  delete process.env.DATABASE_URL;
  const bench = (await import(`./${name}.ts`)) as { run(options: BenchOptions): Promise<void> };
  await bench.run(options);
}

main().catch((error) => {
  console.error(error instanceof Error ? (process.env.BENCH_DEBUG ? error.stack : error.message) : error);
  process.exit(1);
});
