import type { NextConfig } from "next";
import { getEnv } from "./server/lib/env";

// Validate the environment when Next loads its config: a bad value fails fast with one line.
const env = getEnv();

const nextConfig: NextConfig = {
  output: env.BUILD_STANDALONE ? "standalone" : undefined,
  serverExternalPackages: ["@electric-sql/pglite", "pino", "twilio", "postgres"],
  poweredByHeader: false,
  outputFileTracingIncludes: { "/**": ["./drizzle/**/*"] },
  typedRoutes: false,
};

export default nextConfig;
