import { describe, expect, it } from "vitest";
import { countSmsSegments, isGsm7 } from "@/server/shared/sms-segments";

describe("SMS segments", () => {
  it("an empty body is no message", () => {
    expect(countSmsSegments("")).toMatchObject({ segments: 0, encoding: "GSM-7" });
  });

  it("160 GSM-7 characters fit one message; 161 need two segments of 153", () => {
    expect(countSmsSegments("a".repeat(160))).toMatchObject({
      encoding: "GSM-7",
      segments: 1,
      units: 160,
      remaining: 0,
    });
    expect(countSmsSegments("a".repeat(161))).toMatchObject({ segments: 2, perSegment: 153 });
    expect(countSmsSegments("a".repeat(306)).segments).toBe(2);
    expect(countSmsSegments("a".repeat(307)).segments).toBe(3);
  });

  it("GSM-7 accented letters stay GSM-7; extension characters cost two septets", () => {
    expect(isGsm7("Café à Zürich: £5, ¥3, Ñ, ß")).toBe(true);
    expect(countSmsSegments("€".repeat(80))).toMatchObject({ encoding: "GSM-7", units: 160, segments: 1 });
    expect(countSmsSegments("€".repeat(81)).segments).toBe(2);
  });

  it("an extension character is never split across segments", () => {
    // 152 'a' + '{' (2 septets) would be 154 > 153: the brace moves to the second segment.
    const body = "a".repeat(152) + "{" + "b".repeat(10);
    expect(countSmsSegments(body)).toMatchObject({ encoding: "GSM-7", units: 164, segments: 2, remaining: 153 - 12 });
  });

  it("one character outside GSM-7 switches the whole body to UCS-2: 70, then 67 per segment", () => {
    expect(isGsm7("Hello 👋")).toBe(false);
    expect(countSmsSegments("ç".repeat(70))).toMatchObject({ encoding: "UCS-2", segments: 1 });
    expect(countSmsSegments("ç".repeat(71))).toMatchObject({ encoding: "UCS-2", segments: 2, perSegment: 67 });
    expect(countSmsSegments("a".repeat(159) + "ł").segments).toBe(3);
  });

  it("emoji count as two UTF-16 units and are never split", () => {
    expect(countSmsSegments("😀".repeat(35))).toMatchObject({ encoding: "UCS-2", units: 70, segments: 1 });
    // 33 emoji = 66 units; the 34th would straddle 67 → moves on.
    expect(countSmsSegments("😀".repeat(34) + "a".repeat(3))).toMatchObject({ units: 71, segments: 2 });
    expect(countSmsSegments("a" + "😀".repeat(34)).segments).toBe(1);
    // 134 units would fill two segments of 67, but "aa" shifts every emoji onto a boundary: 3.
    expect(countSmsSegments("aa" + "😀".repeat(66))).toMatchObject({ units: 134, segments: 3, remaining: 65 });
  });

  it("the confirmation SMS fits in one GSM-7 segment for a typical brand", () => {
    const body =
      "Acme Coffee: your confirmation code is 123456. It expires in 15 min. If you did not ask for it, ignore this message. Reply STOP to opt out.";
    expect(countSmsSegments(body)).toMatchObject({ encoding: "GSM-7", segments: 1 });
  });
});
