import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CRASH_ADMIN_API_KEY, startCrashServer, waitFor, type CrashServer } from "./harness";

/**
 * Issue: an import killed mid-way stayed `running` forever, and importing the file again wrote
 * duplicate consent events. Here a large CSV is uploaded to the production server, the server is
 * SIGKILLed once some batches (not all) are committed, and restarted: the import must resume from
 * its last committed line and complete with exactly one contact and one consent event per row.
 */

const ROWS = 40_000;
let server: CrashServer;

beforeAll(async () => {
  server = await startCrashServer();
  await server.start();
});

afterAll(async () => {
  await server?.close();
});

function csv(): string {
  const lines = ["email,first_name,consent,consent_at"];
  for (let i = 0; i < ROWS; i++) lines.push(`import-${i}@example.com,Person ${i},yes,2026-01-02T03:04:05Z`);
  return `${lines.join("\n")}\n`;
}

describe("SIGKILL during a CSV import", () => {
  it("the restarted server resumes the import after its last committed line: one contact and one consent event per row", async () => {
    const created = await server.api("POST", "/imports", {
      filename: "crash.csv",
      mapping: { email: "email", firstName: "first_name", consentStatus: "consent", consentAt: "consent_at" },
      topicKeys: ["newsletter"],
      channels: ["email"],
    });
    expect(created.status).toBe(200);
    const importId = created.body.id as string;

    const upload = fetch(`${server.url}/api/imports?importId=${importId}&expectedRows=${ROWS}`, {
      method: "POST",
      headers: { authorization: `Bearer ${CRASH_ADMIN_API_KEY}`, "content-type": "text/csv" },
      body: csv(),
    }).catch((error: unknown) => error);

    const midway = await waitFor(
      "some but not all rows to be committed",
      async () => {
        const [row] = await server.sql<
          { processed_rows: number; status: string }[]
        >`select processed_rows, status from imports where id = ${importId}`;
        return row && row.processed_rows > 0 && row.processed_rows < ROWS ? row : undefined;
      },
      120_000,
      10,
    );
    const killedAt = Date.now();
    await server.kill();
    expect(await upload).toBeInstanceOf(Error);

    const [left] = await server.sql<{ status: string; processed_rows: number; last_line: number }[]>`
      select status, processed_rows, last_line from imports where id = ${importId}`;
    expect(left!.status).toBe("running");
    expect(left!.processed_rows).toBeGreaterThanOrEqual(midway.processed_rows);
    expect(left!.processed_rows).toBeLessThan(ROWS);
    // The header is line 1: the last committed line is one past the rows committed.
    expect(left!.last_line).toBe(left!.processed_rows + 1);

    await server.start();
    const done = await waitFor(
      "the import to complete after the restart",
      async () => {
        const res = await server.api("GET", `/imports/${importId}`);
        return res.body?.status === "completed" || res.body?.status === "failed" ? res.body : undefined;
      },
      180_000,
      500,
    );
    console.info(
      `import crash → completed after restart: ${Math.round((Date.now() - killedAt) / 1000)} s (killed at ${left!.processed_rows} of ${ROWS} rows)`,
    );
    expect(done).toMatchObject({
      status: "completed",
      processedRows: ROWS,
      insertedRows: ROWS,
      updatedRows: 0,
      rejectedRows: 0,
      consentEvents: ROWS,
      totalRows: ROWS,
    });

    const [contacts] = await server.sql<{ n: number; addresses: number }[]>`
      select count(*)::int as n, count(distinct email_hash)::int as addresses from contacts`;
    expect(contacts).toEqual({ n: ROWS, addresses: ROWS });
    const [events] = await server.sql<{ n: number; contacts: number }[]>`
      select count(*)::int as n, count(distinct contact_id)::int as contacts from consent_events where batch_id = ${importId}`;
    expect(events).toEqual({ n: ROWS, contacts: ROWS });
    const audit = await server.sql<
      { action: string }[]
    >`select action from audit_log where target_id = ${importId} order by seq`;
    expect(audit.map((a) => a.action)).toEqual(["import.started", "import.resumed", "import.completed"]);
  });
});
