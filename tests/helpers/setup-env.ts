import os from "node:os";
import path from "node:path";

// Deterministic secrets for tests; each worker gets its own DATA_DIR so nothing touches ./.data.
process.env.APP_SECRET ??= "test-app-secret-test-app-secret-0123456789";
process.env.ENCRYPTION_KEYS ??= `t1:${Buffer.alloc(32, 7).toString("base64")}`;
process.env.DATA_DIR = path.join(os.tmpdir(), `optin-test-data-${process.pid}`);
process.env.PUBLIC_URL ??= "http://localhost:3000";
process.env.JOBS_DISABLED = "1";
delete process.env.DATABASE_URL;
delete process.env.RESEND_API_KEY;
delete process.env.TWILIO_ACCOUNT_SID;
delete process.env.INNGEST_EVENT_KEY;
delete process.env.INNGEST_SIGNING_KEY;
delete process.env.INNGEST_BASE_URL;
delete process.env.INNGEST_DEV;
