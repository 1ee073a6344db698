import fs from "node:fs";

/** CPU seconds (user + system) used so far by a process and its descendants (Linux /proc); null elsewhere. */
export function treeCpuSeconds(rootPid: number): number | null {
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const name of entries) {
    try {
      const fields = statFields(fs.readFileSync(`/proc/${name}/stat`, "utf8"));
      stats.set(Number(name), { ppid: Number(fields[1]), ticks: ticksOf(fields) });
    } catch {
      // exited meanwhile
    }
  }
  if (!stats.has(rootPid)) return null;
  let ticks = 0;
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    ticks += stats.get(pid)?.ticks ?? 0;
    for (const [child, s] of stats) if (s.ppid === pid) queue.push(child);
  }
  return ticks / 100;
}

/** CPU seconds used so far by the PostgreSQL backends of one database (local server only). */
export async function backendCpuSeconds(queryRows: <T>(text: string) => Promise<T[]>): Promise<number | null> {
  const pids = await queryRows<{ pid: number }>("select pid from pg_stat_activity where datname = current_database()");
  let total = 0;
  for (const { pid } of pids) {
    const cpu = treeCpuSeconds(pid);
    if (cpu === null) return null;
    total += cpu;
  }
  return total;
}

/** Value of `--name N` / `--name=N` in the benchmark's extra arguments. */
export function numberFlag(args: string[], name: string, fallback: number): number {
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split("=", 2) as [string, string | undefined];
    if (flag !== name) continue;
    const value = Number(inline ?? args[i + 1]);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
    return value;
  }
  return fallback;
}

/** The fields of a `/proc/…/stat` line after the command name (which may hold spaces). */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** utime + stime, in clock ticks (1/100 s here). */
const ticksOf = (fields: string[]) => Number(fields[11]) + Number(fields[12]);

function processTicks(pid: number, tid?: number): number | null {
  try {
    const file = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
    return ticksOf(statFields(fs.readFileSync(file, "utf8")));
  } catch {
    return null;
  }
}

/**
 * The process of a tree that has used the most CPU so far (a server started through a launcher:
 * the server itself). Its main thread's id is its pid.
 */
export function busiestProcess(rootPid: number): number | null {
  let best: number | null = null;
  let bestTicks = -1;
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    const ticks = processTicks(pid);
    if (ticks !== null && ticks > bestTicks) [best, bestTicks] = [pid, ticks];
    try {
      const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/);
      for (const child of children) if (child) queue.push(Number(child));
    } catch {
      // exited, or no children file
    }
  }
  return best;
}

/**
 * CPU seconds used so far by the main thread of process `pid` (its JavaScript event loop, without
 * worker threads, GC helper threads or libuv's pool); null when not readable.
 */
export function mainThreadCpuSeconds(pid: number): number | null {
  const ticks = processTicks(pid, pid);
  return ticks === null ? null : ticks / 100;
}
