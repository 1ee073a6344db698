import path from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * The layer rules of eslint.config.mjs, proven on planted code: each case lints a snippet as if it
 * were the file at `file` and expects the rule to fire (`rejects`) or to stay silent (`allows`).
 * Add a case per new rule or exception; the snippet never touches the real file.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

interface PlantedCase {
  /** What the case shows. */
  name: string;
  /** Where the snippet pretends to live (relative to the repository root). */
  file: string;
  code: string;
  /** true: `no-restricted-imports` must report it; false: it must not. */
  rejects: boolean;
  /** Part of the expected message, when `rejects`. */
  message?: string;
}

const PROVIDERS_MESSAGE = "Only the delivery step";
const WIRING_MESSAGE = "Services get the outbox from ctx.outbox";
const DOMAIN_FACE_MESSAGE = "Import a domain through its public face";
const SERVICE_INDEX_MESSAGE = "not a domain's index.ts";

const CASES: PlantedCase[] = [
  // Providers: only the delivery step, the composition root, the provider folder and tests.
  {
    name: "a service importing a provider's selection",
    file: "server/services/contacts/planted.ts",
    code: `import { createSmsTransports } from "@/server/providers/sms";\nexport const planted = createSmsTransports;\n`,
    rejects: true,
    message: PROVIDERS_MESSAGE,
  },
  {
    name: "a service reading a vendor's error codes",
    file: "server/services/messages/planted.ts",
    code: `import { TWILIO_UNSUBSCRIBED_CODE } from "@/server/providers/sms/twilio/errors";\nexport const planted = TWILIO_UNSUBSCRIBED_CODE;\n`,
    rejects: true,
    message: PROVIDERS_MESSAGE,
  },
  {
    name: "a service importing a provider by a relative path",
    file: "server/services/webhooks/planted.ts",
    code: `import { createResendTransport } from "../../providers/email/resend/transport";\nexport const planted = createResendTransport;\n`,
    rejects: true,
    message: PROVIDERS_MESSAGE,
  },
  {
    name: "a service importing only a vendor's types",
    file: "server/services/messages/planted.ts",
    code: `import type { TwilioConfig } from "@/server/providers/sms/twilio/transport";\nexport type Planted = TwilioConfig;\n`,
    rejects: true,
    message: PROVIDERS_MESSAGE,
  },
  {
    name: "a service importing the provider-neutral contract as types",
    file: "server/services/webhooks/planted.ts",
    code: `import type { DeliveryEvent } from "@/server/providers/types";\nimport type { SmsTransport } from "@/server/providers/sms/types";\nexport type Planted = DeliveryEvent | SmsTransport;\n`,
    rejects: false,
  },
  {
    name: "a service importing a value from the contract",
    file: "server/services/webhooks/planted.ts",
    code: `import { noWebhooks } from "@/server/providers/types";\nexport const planted = noWebhooks;\n`,
    rejects: true,
    message: PROVIDERS_MESSAGE,
  },
  {
    name: "the delivery step using providers",
    file: "server/services/messages/deliver.ts",
    code: `import { ProviderError } from "@/server/providers/errors";\nimport { MAX_EMAIL_BATCH } from "@/server/providers/email";\nexport const planted = [ProviderError, MAX_EMAIL_BATCH];\n`,
    rejects: false,
  },
  {
    name: "the composition root building the transports",
    file: "server/wiring.ts",
    code: `import { createEmailTransports } from "@/server/providers/email";\nimport { createSmsTransports } from "@/server/providers/sms";\nexport const planted = [createEmailTransports, createSmsTransports];\n`,
    rejects: false,
  },
  {
    name: "a provider folder using its SDK and its siblings",
    file: "server/providers/sms/twilio/planted.ts",
    code: `import twilio from "twilio";\nimport { ProviderError } from "../../errors";\nimport type { SmsTransport } from "../types";\nexport const planted = [twilio, ProviderError];\nexport type Planted = SmsTransport;\n`,
    rejects: false,
  },
  {
    name: "a webhook route handler importing a provider",
    file: "app/api/webhooks/[provider]/planted/route.ts",
    code: `import { createTwilioWebhooks } from "@/server/providers/sms/twilio/webhooks";\nexport const planted = createTwilioWebhooks;\n`,
    rejects: true,
    message: PROVIDERS_MESSAGE,
  },
  {
    name: "a job importing a provider",
    file: "inngest/functions/planted.ts",
    code: `import { createLogEmailTransport } from "@/server/providers/email/log/transport";\nexport const planted = createLogEmailTransport;\n`,
    rejects: true,
    message: PROVIDERS_MESSAGE,
  },
  {
    name: "a router importing a provider",
    file: "server/api/routers/planted.ts",
    code: `import { ProviderError } from "@/server/providers/errors";\nexport const planted = ProviderError;\n`,
    rejects: true,
    message: PROVIDERS_MESSAGE,
  },
  {
    name: "a test using providers directly",
    file: "tests/unit/planted.test.ts",
    code: `import { createLogSmsTransport } from "@/server/providers/sms/log/transport";\nexport const planted = createLogSmsTransport;\n`,
    rejects: false,
  },
  // The composition root sits above the services: they get the outbox from their context.
  {
    name: "a service reaching up to the composition root",
    file: "server/services/messages/planted.ts",
    code: `import { getOutbox } from "@/server/wiring";\nexport const planted = getOutbox;\n`,
    rejects: true,
    message: WIRING_MESSAGE,
  },
  {
    name: "a route handler taking the process's outbox from the composition root",
    file: "app/api/planted/route.ts",
    code: `import { getOutbox } from "@/server/wiring";\nexport const planted = getOutbox;\n`,
    rejects: false,
  },
  // The rules that were there before keep holding next to the provider rule.
  {
    name: "a service importing Next.js",
    file: "server/services/messages/planted.ts",
    code: `import { headers } from "next/headers";\nexport const planted = headers;\n`,
    rejects: true,
    message: "Services are transport-agnostic",
  },
  {
    name: "the delivery step importing Inngest",
    file: "server/services/messages/deliver.ts",
    code: `import { inngest } from "@/inngest/client";\nexport const planted = inngest;\n`,
    rejects: true,
    message: "Services are transport-agnostic",
  },
  {
    name: "a router writing SQL",
    file: "server/api/routers/planted.ts",
    code: `import { sql } from "drizzle-orm";\nexport const planted = sql;\n`,
    rejects: true,
    message: "Routers call services",
  },
  // Domains: callers above the services use a domain's index; services never do.
  ...(
    [
      ["a router", "server/api/routers/planted.ts"],
      ["a page", "app/(app)/planted/page.tsx"],
      ["a route handler", "app/api/planted/route.ts"],
      ["a component (even for types)", "components/planted/planted.tsx"],
      ["the composition root", "server/wiring.ts"],
      ["the start-up", "server/boot.ts"],
      ["the auth config", "server/auth/planted.ts"],
      ["an Inngest function", "inngest/functions/planted.ts"],
    ] as const
  ).map(([who, file]): PlantedCase => ({
    name: `${who} importing a file inside a domain`,
    file,
    code: `import type { ContactRow } from "@/server/services/contacts/rows";\nexport type Planted = ContactRow;\n`,
    rejects: true,
    message: DOMAIN_FACE_MESSAGE,
  })),
  {
    name: "a script importing a file inside a domain by a relative path",
    file: "scripts/planted.ts",
    code: `import { upsertContact } from "../server/services/contacts/upsert-contact";\nexport const planted = upsertContact;\n`,
    rejects: true,
    message: DOMAIN_FACE_MESSAGE,
  },
  {
    name: "a router importing a domain's index and the service context",
    file: "server/api/routers/planted.ts",
    code: `import { upsertContact } from "@/server/services/contacts";\nimport type { ServiceContext } from "@/server/services/context";\nexport const planted = upsertContact;\nexport type Planted = ServiceContext;\n`,
    rejects: false,
  },
  {
    name: "a service importing another domain's index",
    file: "server/services/forms/planted.ts",
    code: `import { upsertContact } from "../contacts";\nexport const planted = upsertContact;\n`,
    rejects: true,
    message: SERVICE_INDEX_MESSAGE,
  },
  {
    name: "a service importing a domain's index by its alias",
    file: "server/services/forms/planted.ts",
    code: `import { upsertContact } from "@/server/services/contacts";\nexport const planted = upsertContact;\n`,
    rejects: true,
    message: SERVICE_INDEX_MESSAGE,
  },
  {
    name: "a service importing its own domain's index",
    file: "server/services/forms/planted.ts",
    code: `import { submitForm } from "./index";\nexport const planted = submitForm;\n`,
    rejects: true,
    message: SERVICE_INDEX_MESSAGE,
  },
  {
    name: "a service importing another domain's file and the service context",
    file: "server/services/forms/planted.ts",
    code: `import { upsertContact } from "../contacts/upsert-contact";\nimport { inTransaction } from "../context";\nexport const planted = [upsertContact, inTransaction];\n`,
    rejects: false,
  },
];

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

async function restrictedImports(file: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  expect(result!.messages.filter((m) => m.fatal)).toEqual([]);
  return result!.messages.filter((m) => m.ruleId === "no-restricted-imports");
}

describe("layer rules catch planted violations", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", async (_name, planted) => {
    const reported = await restrictedImports(planted.file, planted.code);
    if (!planted.rejects) {
      expect(reported).toEqual([]);
      return;
    }
    expect(reported.length).toBeGreaterThan(0);
    expect(reported.map((m) => m.message).join("\n")).toContain(planted.message!);
  });
});
