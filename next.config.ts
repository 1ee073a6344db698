import type { NextConfig } from "next";
import { getEnv } from "./server/lib/env";

// Validate the environment when Next loads its config: a bad value fails fast with one line.
const env = getEnv();

const nextConfig: NextConfig = {
  // The benchmarks' build: its own directory, plus the baseline routes (`route.bench.ts`), which
  // the production build never sees.
  ...(env.BENCH_BUILD ? { distDir: ".next-bench", pageExtensions: ["bench.ts", "tsx", "ts", "jsx", "js"] } : {}),
  serverExternalPackages: ["@electric-sql/pglite", "pino", "twilio", "postgres", "pdfkit"],
  poweredByHeader: false,
  outputFileTracingIncludes: { "/**": ["./drizzle/**/*"] },
  typedRoutes: false,
  /**
   * Pages get their policy, framing and referrer headers in proxy.ts (they need a per-request nonce).
   * Server Actions keep Next's 1 MB body limit; the HTTP server caps the sign-in, invitation and
   * preference pages' bodies at 64 KB by path before Next reads them.
   */
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
          ...(env.PUBLIC_URL.startsWith("https://")
            ? [{ key: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains" }]
            : []),
        ],
      },
    ];
  },
};

export default nextConfig;
