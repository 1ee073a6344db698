import { generateOpenApiDocument } from "trpc-to-openapi";
import { getEnv } from "@/server/lib/env";
import { appRouter } from "./root";

let cached: { baseUrl: string; document: ReturnType<typeof generateOpenApiDocument> } | undefined;

/** The OpenAPI 3 document of `/api/v1`, generated from the same routers as tRPC. */
export function getOpenApiDocument() {
  const baseUrl = `${getEnv().PUBLIC_URL}/api/v1`;
  if (cached?.baseUrl !== baseUrl) {
    cached = {
      baseUrl,
      document: generateOpenApiDocument(appRouter, {
        title: "OptIn Manager API",
        description:
          "Consent-first messaging. Authenticate with `Authorization: Bearer <api key>`. Missing or wrong key → 401; a key without the needed scope → 403; another workspace's id → 404; invalid input → 400 naming the field.",
        version: "1.0.0",
        baseUrl,
        tags: ["Contacts", "Consent", "Topics", "Workspace", "API keys"],
      }),
    };
  }
  return cached.document;
}
