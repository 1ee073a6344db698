import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  advanceRun,
  createCampaign,
  exportCampaignRecipientsCsv,
  RECIPIENT_CSV_COLUMNS,
  scheduleCampaign,
  type RunStep,
} from "@/server/services/campaigns";
import { upsertContact } from "@/server/services/contacts";
import type { ServiceContext } from "@/server/services/context";
import { createApiKeyFor, createMember, createWorkspace, systemContext } from "@/tests/factories";
import { NO_QUIET_HOURS, startSendHarness, uniqueEmail, type SendHarness } from "./send-harness";

/**
 * The recipients export of a campaign run: the service streams the run's recipients as CSV (the
 * progress tab's rows, masked the same way, formula cells escaped, audited), and the route
 * handler `GET /api/campaigns/{id}/recipients.csv` serves it to whoever may read campaigns.
 */

// The route handler reads the session through next/headers and Auth.js; API keys need neither.
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: () => undefined }),
  headers: async () => new Headers(),
}));
vi.mock("@/server/auth", () => ({ auth: async () => null }));

let h: SendHarness;
let workspaceId: string;
let admin: ServiceContext;
let viewer: ServiceContext;
let campaignId: string;
let runId: string;
const optedIn: string[] = [];
let formulaEmail: string;
let blockedId: string;

/** Runs the run's steps until it stops or has to wait (what the job does between sleeps). */
async function drive(id: string): Promise<RunStep> {
  let step: RunStep = { state: "more" };
  for (let i = 0; i < 50 && step.state === "more"; i++)
    step = await advanceRun({
      ctx: { db: h.handle.db, now: () => new Date(), outbox: h.outbox },
      input: { runId: id },
    });
  return step;
}

async function csvOf(lines: AsyncIterable<string>): Promise<string[]> {
  let text = "";
  for await (const chunk of lines) text += chunk;
  return text.trimEnd().split("\r\n");
}

beforeAll(async () => {
  h = await startSendHarness();
  const ws = await createWorkspace(h.handle.db, { settings: NO_QUIET_HOURS });
  workspaceId = ws.id;
  admin = (await createMember(h.handle.db, ws.id, "admin")).ctx;
  viewer = (await createMember(h.handle.db, ws.id, "viewer")).ctx;
  await h.topic("news", ["email"], "marketing", ws.id);

  formulaEmail = uniqueEmail();
  const { contact } = await upsertContact({
    ctx: systemContext(h.handle.db, ws.id),
    input: { email: formulaEmail, firstName: "=HYPERLINK(1)", lastName: "Quill" },
  });
  optedIn.push(contact.id);
  for (let i = 0; i < 2; i++) optedIn.push(await h.contact({ email: uniqueEmail() }, ws.id));
  for (const id of optedIn) await h.optIn(id, "email", "news", ws.id);
  blockedId = await h.contact({ email: uniqueEmail() }, ws.id);

  const campaign = await createCampaign({
    ctx: admin,
    input: { name: "Export", channel: "email", topic: "news", content: { subject: "Hi", text: "News for you" } },
  });
  campaignId = campaign.id;
  const { runIds } = await scheduleCampaign({ ctx: admin, input: { id: campaign.id } });
  runId = runIds[0]!;
  await drive(runId);
  await h.settle();
  expect(await drive(runId)).toEqual({ state: "done", status: "completed" });
});

afterAll(async () => {
  await h.close();
});

describe("campaign recipients export (service)", () => {
  it("streams every recipient of the latest run with outcome and reason, formula cells escaped, and audits the count", async () => {
    const lines = await csvOf(await exportCampaignRecipientsCsv({ ctx: admin, input: { id: campaignId } }));
    expect(lines[0]).toBe(RECIPIENT_CSV_COLUMNS.join(","));
    const rows = lines.slice(1);
    expect(rows).toHaveLength(4);
    const byContact = new Map(rows.map((line) => [line.split(",")[0]!, line]));
    for (const id of optedIn) expect(byContact.get(id)).toMatch(/,sent,/);
    expect(byContact.get(blockedId)).toMatch(/,blocked,no_consent,/);
    const formulaRow = byContact.get(optedIn[0]!)!;
    expect(formulaRow).toContain(",'=HYPERLINK(1) Quill,");
    expect(formulaRow).toContain(formulaEmail);

    const audit = await h.handle.queryRows<{ target_id: string; after: Record<string, unknown> }>(
      "select target_id, after from audit_log where action = 'campaign.recipients_exported' order by seq desc limit 1",
    );
    expect(audit[0]!.target_id).toBe(campaignId);
    expect(audit[0]!.after).toEqual({ runId, outcome: null, rows: 4, completed: true });
    expect(JSON.stringify(audit)).not.toContain(formulaEmail);
  });

  it("filters by outcome and by run", async () => {
    const blocked = await csvOf(
      await exportCampaignRecipientsCsv({ ctx: admin, input: { id: campaignId, runId, outcome: "blocked" } }),
    );
    expect(blocked.slice(1).map((line) => line.split(",")[0])).toEqual([blockedId]);
    const failed = await csvOf(
      await exportCampaignRecipientsCsv({ ctx: admin, input: { id: campaignId, outcome: "failed" } }),
    );
    expect(failed).toEqual([RECIPIENT_CSV_COLUMNS.join(",")]);
  });

  it("masks names and addresses for viewers", async () => {
    const lines = await csvOf(await exportCampaignRecipientsCsv({ ctx: viewer, input: { id: campaignId } }));
    expect(lines).toHaveLength(5);
    const text = lines.join("\n");
    expect(text).not.toContain(formulaEmail);
    expect(text).not.toContain("HYPERLINK");
    expect(text).toContain("•••");
  });

  it("refuses another workspace's campaign, a run of another campaign and an unknown outcome before the first line", async () => {
    const other = await createWorkspace(h.handle.db, { settings: NO_QUIET_HOURS });
    const outsider = (await createMember(h.handle.db, other.id, "admin")).ctx;
    await expect(exportCampaignRecipientsCsv({ ctx: outsider, input: { id: campaignId } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const second = await createCampaign({
      ctx: admin,
      input: { name: "Other", channel: "email", topic: "news", content: { subject: "Hi", text: "More news" } },
    });
    await expect(exportCampaignRecipientsCsv({ ctx: admin, input: { id: second.id, runId } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(
      exportCampaignRecipientsCsv({ ctx: admin, input: { id: campaignId, outcome: "lost" } }),
    ).rejects.toMatchObject({ code: "INVALID", field: "outcome" });
  });
});

describe("GET /api/campaigns/{id}/recipients.csv", () => {
  async function get(key: string, query = "", id = campaignId) {
    const { GET } = await import("@/app/api/campaigns/[id]/recipients.csv/route");
    const res = await GET(
      new Request(`http://localhost:3000/api/campaigns/${id}/recipients.csv${query}`, {
        headers: { authorization: `Bearer ${key}` },
      }),
      { params: Promise.resolve({ id }) },
    );
    return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
  }

  it("serves the CSV to a key with campaigns:read, masked unless it may read contacts", async () => {
    const masked = await createApiKeyFor(h.handle.db, workspaceId, ["campaigns:read"]);
    const full = await createApiKeyFor(h.handle.db, workspaceId, ["campaigns:read", "contacts:read"]);

    const a = await get(masked.secret);
    expect(a.status).toBe(200);
    expect(a.type).toBe("text/csv; charset=utf-8");
    expect(a.text.trimEnd().split("\r\n")).toHaveLength(5);
    expect(a.text).not.toContain(formulaEmail);

    const b = await get(full.secret, `?runId=${runId}&outcome=sent`);
    expect(b.status).toBe(200);
    const rows = b.text.trimEnd().split("\r\n").slice(1);
    expect(rows.map((line) => line.split(",")[0]).sort()).toEqual([...optedIn].sort());
    expect(b.text).toContain(formulaEmail);
  });

  it("answers 403 without campaigns:read, 404 for an unknown campaign and 400 for a bad filter", async () => {
    const contactsOnly = await createApiKeyFor(h.handle.db, workspaceId, ["contacts:read"]);
    expect((await get(contactsOnly.secret)).status).toBe(403);
    const reader = await createApiKeyFor(h.handle.db, workspaceId, ["campaigns:read"]);
    expect((await get(reader.secret, "", randomUUID())).status).toBe(404);
    const bad = await get(reader.secret, "?outcome=lost");
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ code: "INVALID" });
  });
});
