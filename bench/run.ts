/**
 * Benchmark dispatcher: `npm run bench -- <name> [--size N] [--db pglite|postgres]`.
 * Each benchmark is `bench/<name>.ts` exporting `run(options)`; its last stdout line is one JSON object.
 * `--record` appends that object as a row of bench/RESULTS.md (date, commit, cores, ratio, figures).
 */
import os from "node:os";
import path from "node:path";
import { recordResult } from "./lib/record";

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
      "usage: npm run bench -- <name> [--size N] [--db pglite|postgres] [--record]   (benchmarks: import, send, webhooks, fanout, delivery, pages)",
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
  // `--record`: the run's last stdout line (its JSON summary) also becomes a row of bench/RESULTS.md.
  const record = options.args.includes("--record");
  let lastLine: string | undefined;
  if (record) {
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      const lines = text.split("\n").filter((l) => l.trim() !== "");
      if (lines.length > 0) lastLine = lines.at(-1);
      return write(chunk, ...rest);
    }) as typeof process.stdout.write;
  }
  const bench = (await import(`./${name}.ts`)) as { run(options: BenchOptions): Promise<void> };
  await bench.run(options);
  if (record) {
    if (!lastLine?.startsWith("{")) throw new Error("--record: the benchmark printed no JSON summary");
    console.error(`recorded in ${path.relative(process.cwd(), recordResult(name, options.args, lastLine))}`);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? (process.env.BENCH_DEBUG ? error.stack : error.message) : error);
  process.exit(1);
});
