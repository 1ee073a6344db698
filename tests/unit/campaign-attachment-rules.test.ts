import { describe, expect, it } from "vitest";
import {
  BLOCKED_EXTENSIONS,
  checkAttachmentType,
  fileExtension,
  formatFileSize,
  MAX_ATTACHMENT_FILENAME,
  sanitizeFilename,
  sniffDangerousContent,
} from "@/server/shared/attachments";
import { ATTACHMENT_EDITABLE_CAMPAIGN_STATUSES, CAMPAIGN_STATUSES } from "@/server/shared/enums";
import { bodyLimitClass, BODY_LIMITS } from "@/server/lib/body-limits";
import { createLogEmailTransport, LOG_KEPT_FILE_BYTES } from "@/server/providers/email/log/transport";
import { addEmailExtras, withoutWebVersionLine } from "@/server/services/templates/email-extras";

describe("campaign file names", () => {
  it("keep only the last path segment, without control, bidi-override and reserved characters", () => {
    expect(sanitizeFilename("../../etc/passwd")).toBe("passwd");
    expect(sanitizeFilename("C:\\Users\\me\\report.pdf")).toBe("report.pdf");
    expect(sanitizeFilename("in\u202Efdp.exe")).toBe("infdp.exe");
    expect(sanitizeFilename('a<b>c:"d|e?f*.txt')).toBe("abcdef.txt");
    expect(sanitizeFilename("line\nbreak\ttab.txt")).toBe("linebreaktab.txt");
    expect(sanitizeFilename("  spaced    out  .pdf  ")).toBe("spaced out .pdf");
  });

  it("have no leading dots nor trailing dots or spaces, and are never empty", () => {
    expect(sanitizeFilename(".htaccess")).toBe("htaccess");
    expect(sanitizeFilename("report.pdf...")).toBe("report.pdf");
    expect(sanitizeFilename("...")).toBe("file");
    expect(sanitizeFilename("")).toBe("file");
    expect(sanitizeFilename("dir/")).toBe("file");
  });

  it("are cut to the maximum length keeping the extension, and normalised to NFC", () => {
    const long = sanitizeFilename(`${"a".repeat(300)}.pdf`);
    expect(long).toHaveLength(MAX_ATTACHMENT_FILENAME);
    expect(long.endsWith(".pdf")).toBe(true);
    expect(sanitizeFilename("cafe\u0301.txt")).toBe("caf\u00e9.txt");
  });

  it("have an extension when there is a dot with something after it", () => {
    expect(fileExtension("a.PDF")).toBe("pdf");
    expect(fileExtension("archive.tar.gz")).toBe("gz");
    expect(fileExtension("README")).toBe("");
    expect(fileExtension("trailing.")).toBe("");
    expect(fileExtension(".hidden")).toBe("");
  });
});

describe("campaign file types", () => {
  it("refuse programs, scripts and pages by extension, whatever the case", () => {
    for (const name of [
      "a.exe",
      "a.BAT",
      "a.cmd",
      "a.js",
      "a.vbs",
      "a.scr",
      "a.msi",
      "a.jar",
      "a.com",
      "a.ps1",
      "a.sh",
      "a.html",
      "a.htm",
      "a.svg",
      "a.xlsm",
    ]) {
      const check = checkAttachmentType(name, "application/pdf");
      expect(check.ok, name).toBe(false);
      if (!check.ok) expect(check.reason).toBe("blocked_extension");
    }
    expect(BLOCKED_EXTENSIONS).toEqual([...BLOCKED_EXTENSIONS].sort());
  });

  it("refuse dangerous declared types, parameters and case ignored", () => {
    for (const type of [
      "text/html",
      "TEXT/HTML; charset=utf-8",
      "application/x-msdownload",
      "image/svg+xml",
      "application/javascript",
    ]) {
      const check = checkAttachmentType("notes.txt.bin", type);
      expect(check.ok, type).toBe(false);
      if (!check.ok) expect(check.reason).toBe("blocked_type");
    }
  });

  it("give a known extension its type, else a well-formed declared type, else octet-stream", () => {
    expect(checkAttachmentType("a.pdf", "application/octet-stream")).toEqual({
      ok: true,
      contentType: "application/pdf",
    });
    expect(checkAttachmentType("a.JPG", "")).toEqual({ ok: true, contentType: "image/jpeg" });
    expect(checkAttachmentType("a.ics", null)).toEqual({ ok: true, contentType: "text/calendar" });
    expect(checkAttachmentType("a.epub", "application/epub+zip")).toEqual({
      ok: true,
      contentType: "application/epub+zip",
    });
    expect(checkAttachmentType("a.bin", "not a type")).toEqual({ ok: true, contentType: "application/octet-stream" });
    expect(checkAttachmentType("a.bin", "text/plain\r\nx-injected: 1")).toEqual({
      ok: true,
      contentType: "application/octet-stream",
    });
  });

  it("refuse programs, scripts and pages hidden behind a harmless name by their first bytes", () => {
    const bytes = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));
    expect(sniffDangerousContent(bytes("MZ\x90\x00"))).toBe("a Windows program");
    expect(sniffDangerousContent(bytes("\x7fELF\x02"))).toBe("a Linux program");
    expect(sniffDangerousContent(bytes("#!/bin/sh\n"))).toBe("a script");
    expect(sniffDangerousContent(bytes("\xef\xbb\xbf \n<!DOCTYPE HTML><p>"))).toBe("a web page or script");
    expect(sniffDangerousContent(bytes("<script>alert(1)</script>"))).toBe("a web page or script");
    expect(sniffDangerousContent(bytes('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'))).toBe(
      "a web page or script",
    );
    expect(sniffDangerousContent(bytes("%PDF-1.7"))).toBeNull();
    expect(sniffDangerousContent(bytes("Name,Email\n"))).toBeNull();
    expect(sniffDangerousContent(new Uint8Array(0))).toBeNull();
  });

  it("sizes read as people write them", () => {
    expect(formatFileSize(1)).toBe("1 byte");
    expect(formatFileSize(900)).toBe("900 bytes");
    expect(formatFileSize(340 * 1024)).toBe("340 KB");
    expect(formatFileSize(5 * 1024 * 1024)).toBe("5 MB");
    expect(formatFileSize(1.25 * 1024 * 1024)).toBe("1.3 MB");
  });

  it("may change only while a campaign is a draft, scheduled or paused", () => {
    for (const status of ATTACHMENT_EDITABLE_CAMPAIGN_STATUSES) expect(CAMPAIGN_STATUSES).toContain(status);
    expect([...ATTACHMENT_EDITABLE_CAMPAIGN_STATUSES].sort()).toEqual(["draft", "paused", "scheduled"]);
  });
});

describe("email extras: web-version line and files list", () => {
  const layout = {
    text: "Hello\n\n--\nUnsubscribe: http://x/u/t",
    html: '<!doctype html><html><body style="margin:0"><span data-preheader="true" style="display:none">Pre</span>\n<table><tr><td>Body</td></tr>\n</table>\n<div>footer</div></body></html>',
  };
  const files = [{ filename: 'A&B "plan".pdf', sizeBytes: 2048, url: "http://x/files/abc" }];

  it("leave an email without extras as it is", () => {
    expect(addEmailExtras(layout, {})).toBe(layout);
    expect(addEmailExtras(layout, { files: [], webVersionUrl: null })).toBe(layout);
  });

  it("put the web-version line after the preheader and the files at the end of the content, escaped", () => {
    const out = addEmailExtras(layout, { webVersionUrl: "http://x/w/tok?a=1&b=2", files });
    expect(out.html).toMatch(/Pre<\/span><div data-web-version-link[^>]*><a href="http:\/\/x\/w\/tok\?a=1&amp;b=2"/);
    expect(out.html).toContain("A&amp;B &quot;plan&quot;.pdf</a> <span");
    expect(out.html!.indexOf("data-campaign-files")).toBeLessThan(out.html!.indexOf("<div>footer</div>"));
    expect(out.html!.indexOf("Body")).toBeLessThan(out.html!.indexOf("data-campaign-files"));
    expect(out.text).toBe(
      'View in your browser: http://x/w/tok?a=1&b=2\n\nHello\n\nFiles:\n- A&B "plan".pdf (2 KB): http://x/files/abc\n\n--\nUnsubscribe: http://x/u/t',
    );
    expect(withoutWebVersionLine(out.html!)).not.toContain("View in your browser");
    expect(withoutWebVersionLine(out.html!)).toContain("Pre</span>\n<table>");
  });

  it("work on a document of the author's own and on a fragment", () => {
    const own = addEmailExtras(
      { text: "Hi", html: "<html><body><p>Hi</p></body></html>" },
      { webVersionUrl: "http://x/w/t", files },
    );
    expect(own.html).toMatch(
      /^<html><body><div data-web-version-link[\s\S]*<p>Hi<\/p><div data-campaign-files[\s\S]*<\/body><\/html>$/,
    );
    expect(own.text).toBe(
      'View in your browser: http://x/w/t\n\nHi\n\nFiles:\n- A&B "plan".pdf (2 KB): http://x/files/abc',
    );
    const text = addEmailExtras({ text: "Hi", html: null }, { webVersionUrl: "http://x/w/t" });
    expect(text.html).toBeNull();
  });
});

describe("around the files", () => {
  it("the upload route takes a campaign's 5 MB plus multipart framing; the public file and web pages take contact-page bodies", () => {
    expect(bodyLimitClass("/api/campaigns/0b6f3c1e-8d2a-4f57-9a1b-2c3d4e5f6a7b/attachments")).toBe("attachmentUpload");
    expect(bodyLimitClass("/api/campaigns/x/attachments/")).toBe("attachmentUpload");
    expect(bodyLimitClass("/api/campaigns/x/attachments/y")).toBe("api");
    expect(BODY_LIMITS.attachmentUpload).toBeGreaterThan(5 * 1024 * 1024);
    expect(BODY_LIMITS.attachmentUpload).toBeLessThan(6 * 1024 * 1024);
    expect(bodyLimitClass("/w/abc")).toBe("contactPage");
    expect(bodyLimitClass("/files/abc")).toBe("contactPage");
  });

  it("the log transport keeps the files of the emails it remembers, within a bound", async () => {
    const log = createLogEmailTransport();
    const file = {
      filename: "big.bin",
      contentType: "application/octet-stream",
      content: Buffer.alloc(5 * 1024 * 1024),
    };
    for (let i = 0; i < 10; i++)
      await log.send({ from: "a@example.com", to: `b${i}@example.com`, subject: "s", text: "t", attachments: [file] });
    const kept = log.sent.reduce((sum, e) => sum + (e.attachments ?? []).reduce((n, f) => n + f.content.length, 0), 0);
    expect(kept).toBeLessThanOrEqual(LOG_KEPT_FILE_BYTES);
    expect(log.sent.at(-1)!.to).toBe("b9@example.com");
    expect(log.sent.at(-1)!.attachments).toEqual([file]);
  });
});
