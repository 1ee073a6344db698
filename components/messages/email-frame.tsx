"use client";

import * as React from "react";
import { cn } from "@/components/ui/cn";

/**
 * Scripts never run (no `allow-scripts` in the sandbox, and `script-src` is not allowed by the
 * policy below); `allow-same-origin` only lets this page measure the document's height. Links open
 * in a new tab. Remote images load as they would in a mail client.
 */
const POLICY =
  "default-src 'none'; img-src https: http: data: cid:; style-src 'unsafe-inline' https:; font-src https: data:";

function documentFor(html: string): string {
  const head = `<meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${POLICY}"><base target="_blank"><style>html,body{margin:0;padding:0;background:#fff;color:#111;font-family:ui-sans-serif,system-ui,sans-serif;}body{overflow-wrap:anywhere;}img{max-width:100%;height:auto;}</style>`;
  return /<head[^>]*>/i.test(html)
    ? html.replace(/<head[^>]*>/i, (tag) => `${tag}${head}`)
    : `<!doctype html><html><head>${head}</head><body>${html}</body></html>`;
}

/** An email's HTML part rendered as the recipient would see it, in a sandboxed iframe sized to its content. */
export function EmailFrame({ html, title, className }: { html: string; title: string; className?: string }) {
  const ref = React.useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = React.useState(320);
  const srcDoc = React.useMemo(() => documentFor(html), [html]);

  const observer = React.useRef<ResizeObserver | null>(null);

  const measure = React.useCallback(() => {
    const doc = ref.current?.contentDocument;
    if (!doc?.documentElement) return;
    const content = doc.body ? doc.body.scrollHeight : doc.documentElement.scrollHeight;
    setHeight(Math.min(Math.max(content + 2, 120), 2400));
  }, []);

  // Images load after `load`, and a narrower viewport rewraps the text: follow the document's size.
  const follow = React.useCallback(() => {
    observer.current?.disconnect();
    const doc = ref.current?.contentDocument;
    if (!doc?.documentElement) return;
    measure();
    observer.current = new ResizeObserver(measure);
    observer.current.observe(doc.body ?? doc.documentElement);
  }, [measure]);

  React.useEffect(() => () => observer.current?.disconnect(), []);

  return (
    <iframe
      ref={ref}
      title={title}
      srcDoc={srcDoc}
      sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"
      referrerPolicy="no-referrer"
      onLoad={follow}
      style={{ height }}
      className={cn("block w-full rounded-md border bg-white", className)}
      data-testid="email-frame"
    />
  );
}
