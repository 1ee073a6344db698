import { describe, expect, it } from "vitest";
import { contentOf, draftFrom, newDraft, previewRequest, starterVariant } from "@/components/templates/template-draft";
import type { TTemplateDetail } from "@/server/services/templates/schemas";

const saved = {
  id: "7f6c1f7e-8a53-4c1e-9d0e-0f6a4c2b9d11",
  name: "Welcome",
  key: "welcome",
  channel: "email",
  category: "transactional",
  topicKey: "account-notices",
  currentVersion: 3,
  current: {
    defaultLocale: "en",
    variants: {
      en: { subject: "Hi {{ contact.first_name }}", text: "", html: "<p>Hello</p>", doc: { type: "doc" } },
      de: { subject: "Hallo", text: "", html: "<p>Hallo</p>" },
    },
    variables: [{ name: "code", sample: "ABC", description: "The code" }],
  },
} as unknown as TTemplateDetail;

describe("template draft", () => {
  it("starts a new email draft with a subject and HTML, an SMS draft with text only", () => {
    expect(newDraft("email").variants.en).toMatchObject({
      subject: expect.stringContaining("{{ workspace.name }}"),
      text: "",
    });
    expect(starterVariant("sms")).toEqual({ subject: "", text: "{{ workspace.name }}: ", html: "" });
    expect(newDraft("sms")).toMatchObject({
      channel: "sms",
      category: "promotional",
      topicKey: null,
      defaultLocale: "en",
      variables: [],
    });
  });

  it("loads a saved version and gives back the same content to save (email: HTML and editor document, no text)", () => {
    const draft = draftFrom(saved);
    expect(draft).toMatchObject({
      name: "Welcome",
      key: "welcome",
      channel: "email",
      topicKey: "account-notices",
      defaultLocale: "en",
    });
    expect(contentOf(draft)).toEqual({
      defaultLocale: "en",
      variants: {
        en: { subject: "Hi {{ contact.first_name }}", text: "", html: "<p>Hello</p>", doc: { type: "doc" } },
        de: { subject: "Hallo", text: "", html: "<p>Hallo</p>" },
      },
      variables: [{ name: "code", sample: "ABC", description: "The code" }],
    });
  });

  it("saves SMS variants as text only and trims variable names", () => {
    const draft = { ...newDraft("sms"), variables: [{ name: "  code ", sample: "1" }] };
    draft.variants.en = { subject: "ignored", text: "Your code {{ code }}", html: "<p>ignored</p>" };
    expect(contentOf(draft)).toEqual({
      defaultLocale: "en",
      variants: { en: { text: "Your code {{ code }}" } },
      variables: [{ name: "code", sample: "1" }],
    });
  });

  it("asks the preview for one locale, without unnamed variables, as a chosen contact when one is picked", () => {
    const draft = {
      ...draftFrom(saved),
      variables: [
        { name: "code", sample: "ABC" },
        { name: " ", sample: "x" },
      ],
    };
    const request = previewRequest(draft, "de", "0b0e4d3c-1f1a-4d6b-8e0e-1c2b3a4d5e6f");
    expect(request).toMatchObject({
      channel: "email",
      category: "transactional",
      locale: "de",
      contactId: "0b0e4d3c-1f1a-4d6b-8e0e-1c2b3a4d5e6f",
    });
    expect(request.variables).toEqual([{ name: "code", sample: "ABC" }]);
    expect(request.variants.de).toEqual({ subject: "Hallo", text: "", html: "<p>Hallo</p>" });
    expect(previewRequest(draft, "en", null).contactId).toBeUndefined();
  });
});
