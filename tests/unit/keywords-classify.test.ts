import { describe, expect, it } from "vitest";
import { classifyInbound, normalizeInboundText } from "@/server/services/inbound/classify-inbound";

const kindOf = (body: string) => classifyInbound(body).kind;

describe("classifyInbound: exact keywords", () => {
  it.each(["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"])(
    "%s opts out, in any case",
    (keyword) => {
      for (const variant of [keyword, keyword.toLowerCase(), keyword[0] + keyword.slice(1).toLowerCase()]) {
        expect(classifyInbound(variant)).toEqual({ kind: "opt_out", keyword, matchedBy: "keyword" });
      }
    },
  );

  it.each(["START", "UNSTOP", "YES"])("%s opts back in", (keyword) => {
    expect(classifyInbound(keyword.toLowerCase())).toEqual({ kind: "opt_in", keyword, matchedBy: "keyword" });
  });

  it.each(["HELP", "INFO"])("%s asks for help", (keyword) => {
    expect(classifyInbound(` ${keyword} `)).toEqual({ kind: "help", keyword, matchedBy: "keyword" });
  });

  it.each([
    "  stop  ",
    "Stop.",
    "STOP!!!",
    "stop?",
    '"stop"',
    "STOP 🛑",
    "🛑 Stop 🛑",
    "\nStop\n",
    "S T O P",
    "s.t.o.p",
    "Opt-Out",
    "opt out",
    "Stop all",
    "ＳＴＯＰ",
    "un-subscribe",
  ])("tolerates whitespace, punctuation, emoji and spacing: %j", (body) => {
    const result = classifyInbound(body);
    expect(result.kind).toBe("opt_out");
    if (result.kind !== "other") expect(result.matchedBy).toBe("keyword");
  });

  it("start and help tolerate punctuation too", () => {
    expect(kindOf("Start!")).toBe("opt_in");
    expect(kindOf("un-stop")).toBe("opt_in");
    expect(kindOf("Yes.")).toBe("opt_in");
    expect(kindOf("help?")).toBe("help");
    expect(kindOf("INFO 🙏")).toBe("help");
  });
});

describe("classifyInbound: reasonable opt-out phrasing", () => {
  it.each([
    "please stop texting me",
    "Please stop",
    "stop please",
    "ok STOP now",
    "Stop it",
    "STOP. Who is this?",
    "Who is this? Stop",
    "stop texting me about the sale",
    "Stop sending me these messages",
    "please stop all these texts",
    "quit messaging me",
    "opt out",
    "opt me out",
    "Please opt me out of this",
    "unsubscribe me",
    "I want to unsubscribe",
    "How do I unsubscribe from this?",
    "remove me",
    "Remove me from your list",
    "please remove my number",
    "delete my number",
    "take me off your list",
    "Take me off this list please",
    "do not text me",
    "Don't text me",
    "dont text me again",
    "Never text me again",
    "do not contact me",
    "don't send me any more texts",
    "no more texts",
    "No more messages please",
    "I don't want these texts",
    "I no longer want to receive your messages",
    "leave me alone",
    "Wrong number",
    "you have the wrong person",
    "not interested",
    "I'm not interested, thanks",
    "Cancel all texts",
    "end it",
    "STOP STOP STOP",
    "Stop!!! I never signed up for this",
  ])("opts out: %j", (body) => {
    expect(kindOf(body)).toBe("opt_out");
  });

  it("phrases are reported as matched by phrase, with the keyword or phrase found", () => {
    expect(classifyInbound("please stop texting me")).toMatchObject({ kind: "opt_out", matchedBy: "phrase" });
    expect(classifyInbound("stop please")).toEqual({ kind: "opt_out", keyword: "STOP", matchedBy: "phrase" });
    expect(classifyInbound("Remove me from your list")).toEqual({
      kind: "opt_out",
      keyword: "remove me",
      matchedBy: "phrase",
    });
  });
});

describe("classifyInbound: not an opt-out", () => {
  it.each([
    "Don't stop",
    "dont stop texting me, I love the deals",
    "Please don't unsubscribe me",
    "I can't stop laughing",
    "stop by the store tomorrow?",
    "When does the sale end?",
    "Can I cancel my appointment?",
    "Thanks!",
    "ok",
    "What time do you open?",
    "Send me the coupon",
    "the end",
    "Started",
    "yesterday",
    "helpful, thanks",
    "information please",
    "",
    "   ",
    "🛑",
  ])("is other: %j", (body) => {
    expect(kindOf(body)).toBe("other");
  });

  it("opt-in and help are never guessed from phrasing", () => {
    expect(kindOf("yes please")).toBe("other");
    expect(kindOf("start sending me deals")).toBe("other");
    expect(kindOf("I need help with my order")).toBe("other");
  });

  it("an opt-out in the message beats opt-in and help words", () => {
    expect(kindOf("Yes. Stop.")).toBe("opt_out");
    expect(kindOf("help stop")).toBe("opt_out");
    expect(kindOf("Help! Stop texting me")).toBe("opt_out");
  });

  it("handles null and undefined bodies (MMS without text)", () => {
    expect(classifyInbound(null)).toEqual({ kind: "other" });
    expect(classifyInbound(undefined)).toEqual({ kind: "other" });
  });
});

describe("normalizeInboundText", () => {
  it("folds case, quotes, punctuation and emoji to single spaces", () => {
    expect(normalizeInboundText("  Don’t   STOP!!! 🛑 ")).toBe("dont stop");
    expect(normalizeInboundText("Opt-Out.")).toBe("opt out");
  });
});
