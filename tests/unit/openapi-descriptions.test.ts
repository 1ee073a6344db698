import { describe, expect, it } from "vitest";
import { getOpenApiDocument } from "@/server/api/openapi";

/**
 * The issue asks that the OpenAPI document describe every field: every parameter and every
 * property of every request and response schema (nested ones included) needs a description.
 * The document is plain JSON, so it is walked as such.
 */

type Node = Record<string, unknown>;

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value);
const hasText = (value: unknown) => typeof value === "string" && value.trim() !== "";

function loadDocument() {
  const document = getOpenApiDocument() as unknown as Node;
  const components = isNode(document.components) ? document.components : {};

  /** `#/components/<kind>/<name>` → the component, or undefined when it does not exist. */
  function resolve(ref: string): Node | undefined {
    const match = /^#\/components\/([^/]+)\/(.+)$/.exec(ref);
    if (!match) return undefined;
    const group = components[match[1]!];
    const name = decodeURIComponent(match[2]!).replace(/~1/g, "/").replace(/~0/g, "~");
    const target = isNode(group) ? group[name] : undefined;
    return isNode(target) ? target : undefined;
  }

  return { document, resolve };
}

/** Every undescribed parameter and property, as `where` strings (empty when the document is complete). */
function findMissingDescriptions(): string[] {
  const { document, resolve } = loadDocument();
  const missing: string[] = [];
  const walkedRefs = new Set<string>();

  function walkRef(ref: string, where: string) {
    const target = resolve(ref);
    if (!target) {
      missing.push(`${where}: unresolved $ref ${ref}`);
      return;
    }
    if (walkedRefs.has(ref)) return;
    walkedRefs.add(ref);
    walkSchema(target, ref);
  }

  function walkSchema(schema: unknown, where: string) {
    if (!isNode(schema)) return;
    if (typeof schema.$ref === "string") {
      walkRef(schema.$ref, where);
      return;
    }
    if (isNode(schema.properties)) {
      for (const [name, property] of Object.entries(schema.properties)) {
        const path = `${where}.${name}`;
        // A `$ref` property may carry its own description (OpenAPI 3.1) or rely on the target's.
        const target = isNode(property) && typeof property.$ref === "string" ? resolve(property.$ref) : undefined;
        if (!isNode(property) || !(hasText(property.description) || hasText(target?.description))) missing.push(path);
        walkSchema(property, path);
      }
    }
    if (schema.items !== undefined) walkSchema(schema.items, `${where}[]`);
    if (Array.isArray(schema.prefixItems)) schema.prefixItems.forEach((item, i) => walkSchema(item, `${where}[${i}]`));
    if (isNode(schema.additionalProperties)) walkSchema(schema.additionalProperties, `${where}{}`);
    for (const key of ["anyOf", "oneOf", "allOf"] as const) {
      const variants = schema[key];
      if (Array.isArray(variants)) variants.forEach((variant, i) => walkSchema(variant, `${where}|${key}[${i}]`));
    }
  }

  function walkContent(content: unknown, where: string) {
    if (!isNode(content)) return;
    for (const [mediaType, media] of Object.entries(content)) {
      if (isNode(media)) walkSchema(media.schema, `${where} (${mediaType})`);
    }
  }

  const paths = isNode(document.paths) ? document.paths : {};
  for (const [path, pathItem] of Object.entries(paths)) {
    if (!isNode(pathItem)) continue;
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (!isNode(operation)) continue;
      const op = `${method.toUpperCase()} ${path}`;

      const parameters = [
        ...(Array.isArray(pathItem.parameters) ? pathItem.parameters : []),
        ...(Array.isArray(operation.parameters) ? operation.parameters : []),
      ];
      for (const entry of parameters) {
        const parameter = isNode(entry) && typeof entry.$ref === "string" ? resolve(entry.$ref) : entry;
        if (!isNode(parameter)) {
          missing.push(`${op} parameter: unresolved`);
          continue;
        }
        const where = `${op} ${String(parameter.in)} parameter ${String(parameter.name)}`;
        if (!hasText(parameter.description)) missing.push(where);
        walkSchema(parameter.schema, where);
      }

      const body =
        isNode(operation.requestBody) && typeof operation.requestBody.$ref === "string"
          ? resolve(operation.requestBody.$ref)
          : operation.requestBody;
      if (isNode(body)) walkContent(body.content, `${op} body`);

      if (isNode(operation.responses)) {
        for (const [status, entry] of Object.entries(operation.responses)) {
          const response = isNode(entry) && typeof entry.$ref === "string" ? resolve(entry.$ref) : entry;
          if (isNode(response)) walkContent(response.content, `${op} ${status}`);
        }
      }
    }
  }

  // Components not reached from an operation still end up in the published document.
  const components = isNode(document.components) ? document.components : {};
  const schemas = isNode(components.schemas) ? components.schemas : {};
  for (const name of Object.keys(schemas))
    walkRef(`#/components/schemas/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`, `#/components/schemas/${name}`);

  return missing;
}

describe("OpenAPI document", () => {
  it("describes every parameter and every property, nested ones included", () => {
    const missing = findMissingDescriptions();
    expect(missing, `Fields without a description (add .describe() to the zod schema):\n${missing.join("\n")}`).toEqual(
      [],
    );
  });

  it("gives every operation a summary, a description and a declared tag", () => {
    const { document } = loadDocument();
    const declared = new Set(
      (Array.isArray(document.tags) ? document.tags : []).map((tag) => (isNode(tag) ? tag.name : undefined)),
    );
    const problems: string[] = [];
    for (const [path, pathItem] of Object.entries(isNode(document.paths) ? document.paths : {})) {
      if (!isNode(pathItem)) continue;
      for (const method of HTTP_METHODS) {
        const operation = pathItem[method];
        if (!isNode(operation)) continue;
        const op = `${method.toUpperCase()} ${path}`;
        if (!hasText(operation.summary)) problems.push(`${op}: no summary`);
        if (!hasText(operation.description)) problems.push(`${op}: no description`);
        const tags = Array.isArray(operation.tags) ? operation.tags : [];
        if (tags.length === 0) problems.push(`${op}: no tag`);
        for (const tag of tags)
          if (!declared.has(tag)) problems.push(`${op}: tag "${String(tag)}" is not in the document's tags`);
      }
    }
    expect(problems, problems.join("\n")).toEqual([]);
  });
});
