import { generateOpenApiDocument, type OpenAPIObject } from "trpc-to-openapi";
import { getEnv } from "@/server/lib/env";
import { appRouter } from "./root";

let cached: { baseUrl: string; document: OpenAPIObject } | undefined;

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

/**
 * trpc-to-openapi unwraps an optional query parameter and wraps it again in a fresh `.optional()`,
 * so zod-openapi finds no `.describe()` on the parameter itself; the text survives only on its
 * schema (when the inner schema was described before `.optional()`). Copy it up to the parameter,
 * where OpenAPI tools show it.
 */
function liftParameterDescriptions(document: OpenAPIObject): void {
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      for (const parameter of pathItem[method]?.parameters ?? []) {
        if ("$ref" in parameter || parameter.description) continue;
        const schema = parameter.schema;
        if (schema && !("$ref" in schema) && schema.description) parameter.description = schema.description;
      }
    }
  }
}

/** The library's error components leave the items of `issues` undescribed. */
function describeErrorIssues(document: OpenAPIObject): void {
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
    if (!name.startsWith("error.") || "$ref" in schema) continue;
    const issues = schema.properties?.issues;
    const items = issues && !("$ref" in issues) ? issues.items : undefined;
    const message = items && !("$ref" in items) ? items.properties?.message : undefined;
    if (message && !("$ref" in message) && !message.description) {
      message.description = "Why this part of the input was refused";
    }
  }
}

/** The OpenAPI 3 document of `/api/v1`, generated from the same routers as tRPC. */
export function getOpenApiDocument(): OpenAPIObject {
  const baseUrl = `${getEnv().PUBLIC_URL}/api/v1`;
  if (cached?.baseUrl !== baseUrl) {
    const document = generateOpenApiDocument(appRouter, {
      title: "OptIn Manager API",
      description:
        "Consent-first messaging. Authenticate with `Authorization: Bearer <api key>`. Missing or wrong key → 401; a key without the needed scope → 403; another workspace's id → 404; invalid input → 400 naming the field.",
      version: "1.0.0",
      baseUrl,
      tags: [
        "Contacts",
        "Consent",
        "Suppressions",
        "Topics",
        "Segments",
        "Campaigns",
        "Messages",
        "Analytics",
        "Reports",
        "Imports",
        "Workspace",
        "API keys",
      ],
    });
    liftParameterDescriptions(document);
    describeErrorIssues(document);
    cached = { baseUrl, document };
  }
  return cached.document;
}
