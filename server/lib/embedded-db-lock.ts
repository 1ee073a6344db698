import fs from "node:fs";
import path from "node:path";

/**
 * The embedded database (PGlite) is a directory that one process may open at a time: a second
 * process opening it (a script run while the server is up) would corrupt it. `claimEmbeddedDatabase`
 * takes a lock file beside the directory holding the owner's pid, and refuses while that process is
 * alive. A lock left by a process that died (killed, crashed) is taken over. PostgreSQL needs none.
 */

export class EmbeddedDatabaseInUseError extends Error {
  constructor(
    readonly pgliteDir: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database in ${pgliteDir} is in use by another process (pid ${pid}). Stop the server first (Ctrl+C where it runs), ` +
        "or run both against PostgreSQL (DATABASE_URL=postgres://…), which many processes can share.",
    );
    this.name = "EmbeddedDatabaseInUseError";
  }
}

function lockPathFor(pgliteDir: string): string {
  return `${pgliteDir}.lock`;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return false; // our own pid from an earlier life (a restarted container): stale
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readOwner(lockPath: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Takes the lock for this process or throws EmbeddedDatabaseInUseError; returns its release. */
export function claimEmbeddedDatabase(pgliteDir: string): () => void {
  const lockPath = lockPathFor(pgliteDir);
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, `${process.pid}\n`, { flag: "wx" });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off("exit", release);
        if (readOwner(lockPath) === process.pid) fs.rmSync(lockPath, { force: true });
      };
      process.on("exit", release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = readOwner(lockPath);
      if (owner !== null && isAlive(owner)) throw new EmbeddedDatabaseInUseError(pgliteDir, owner);
      fs.rmSync(lockPath, { force: true }); // stale: its process is gone
    }
  }
  throw new EmbeddedDatabaseInUseError(pgliteDir, readOwner(lockPath) ?? 0);
}
