import type { NextConfig } from "next";
import { getEnv } from "./server/lib/env";

// Validate the environment when Next loads its config: a bad value fails fast with one line.
const env = getEnv();

const nextConfig: NextConfig = {
  serverExternalPackages: ["@electric-sql/pglite", "pino", "twilio", "postgres"],
  poweredByHeader: false,
  outputFileTracingIncludes: { "/**": ["./drizzle/**/*"] },
  typedRoutes: false,
  /** Pages get their policy, framing and referrer headers in proxy.ts (they need a per-request nonce). */
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
          ...(env.PUBLIC_URL.startsWith("https://") ? [{ key: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains" }] : []),
        ],
      },
    ];
  },
  experimental: {
    // Server Actions serve the sign-in, invitation and preference pages (64 KB, enforced by the
    // HTTP server by path) and the signed-in UI; nothing larger than a JSON API body.
    serverActions: { bodySizeLimit: "1mb" },
  },
};

export default nextConfig;
