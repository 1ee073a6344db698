import { readFile } from "node:fs/promises";
import path from "node:path";

/**
 * The pieces of the API reference page (`/docs/api`): the HTML shell, the viewer's script (the
 * browser build of the `@scalar/api-reference` package, read from node_modules, which the
 * production image ships), and its start-up script. Everything comes from this origin.
 */

const VIEWER_FILE = path.join(
  process.cwd(),
  "node_modules",
  "@scalar",
  "api-reference",
  "dist",
  "browser",
  "standalone.js",
);

let viewer: Promise<string> | undefined;

/** The viewer's script, read once per process. */
export function viewerScript(): Promise<string> {
  viewer ??= readFile(VIEWER_FILE, "utf8");
  return viewer;
}

/** Scalar's theme variables, darkened where its defaults fall short of 4.5:1 on white and off-white. */
const CONTRAST_CSS = `.light-mode {
  --scalar-color-2: #4a4a4a;
  --scalar-color-3: #5f5f5f;
  --scalar-color-green: #04724a;
  --scalar-color-blue: #1c5fb4;
  --scalar-color-orange: #a84300;
  --scalar-color-red: #b3261e;
  --scalar-color-yellow: #845c00;
  --scalar-color-purple: #6b3fad;
  --scalar-color-accent: #1c5fb4;
}`;

/**
 * The viewer's settings: the public OpenAPI document; no fonts, telemetry, AI agent or hosted
 * client from other sites; requests tried from the page go straight to this server (no proxy).
 */
const SETTINGS = {
  url: "/api/v1/openapi.json",
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  hideClientButton: true,
  showDeveloperTools: "never",
  documentDownloadType: "json",
  metaData: { title: "API reference — OptIn Manager" },
  // One (light) theme, with the muted text and the method colours darkened to WCAG AA contrast.
  forceDarkModeState: "light",
  hideDarkModeToggle: true,
  customCss: CONTRAST_CSS,
};

export function startScript(): string {
  return `Scalar.createApiReference("#reference", ${JSON.stringify(SETTINGS)});\n`;
}

export function htmlDocument(): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>API reference — OptIn Manager</title>
  </head>
  <body>
    <main id="reference" aria-label="API reference"><p>Loading the API reference…</p></main>
    <script src="/docs/api/reference.js"></script>
    <script src="/docs/api/init.js"></script>
  </body>
</html>
`;
}

/** Scripts and data from this origin only; inline styles (the viewer injects its own); never framed. */
export function referenceHeaders(): Record<string, string> {
  return {
    "content-security-policy": [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "font-src 'self' data:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join("; "),
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
  };
}
