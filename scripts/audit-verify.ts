/**
 * `npm run audit:verify`: walks every audit hash chain of the configured database and prints one
 * line per chain (a workspace, or the rows without a workspace). Exits 1 when a chain is broken
 * (naming its first broken link) or the check cannot run; 0 when every chain verifies.
 */
import { EnvError, getEnv } from "../server/lib/env";
import { closeDb, DatabaseUnavailableError, getDbHandle } from "../server/lib/db";
import { verifyAuditChain, type TAuditChainReport } from "../server/services/audit";

function describeChain(report: TAuditChainReport): string {
  const chain = report.workspaceId ?? "(no workspace)";
  if (!report.ok)
    return `BROKEN ${chain}: first broken link at seq ${report.brokenAtSeq} (${report.reason}) after ${report.rows} good rows`;
  const head = report.lastHash ? ` head seq ${report.lastSeq} ${report.lastHash}` : "";
  const legacy = report.legacyRows ? `, ${report.legacyRows} older than the chain (unverified)` : "";
  const unkeyed = report.unkeyedRows ? `, ${report.unkeyedRows} hashed before the chain was keyed` : "";
  return `ok     ${chain}: ${report.rows} rows${legacy}${unkeyed}${head}`;
}

async function main(): Promise<number> {
  getEnv();
  const { db } = await getDbHandle();
  const result = await verifyAuditChain({
    ctx: { db },
    input: { onChain: (report) => console.log(describeChain(report)) },
  });
  if (result.chains.length === 0) {
    console.log("No audit rows yet.");
    return 0;
  }
  if (!result.ok) {
    console.error(
      `Audit chain broken: workspace ${result.workspaceId ?? "(none)"} at seq ${result.brokenAtSeq} (${result.reason}).`,
    );
    return 1;
  }
  console.log(`Audit chains intact: ${result.rows} rows in ${result.chains.length} chain(s).`);
  return 0;
}

main()
  .catch((error: unknown) => {
    const known = error instanceof EnvError || error instanceof DatabaseUnavailableError;
    console.error(known ? (error as Error).message : `Audit verification failed: ${(error as Error).message}`);
    return 1;
  })
  .then(async (code) => {
    await closeDb().catch(() => {});
    process.exit(code);
  });
