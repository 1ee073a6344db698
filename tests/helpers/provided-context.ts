declare module "vitest" {
  export interface ProvidedContext {
    dbKind: "pglite" | "postgres";
    pgliteTemplatePath: string;
    postgresTemplateDb: string;
  }
}

export {};
