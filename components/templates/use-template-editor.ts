"use client";

import * as React from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import type { Channel } from "@/server/shared/enums";
import type { TRenderPreview } from "@/server/services/templates";
import { draftFrom, newDraft, previewRequest, type Draft } from "./template-draft";

/**
 * The editor's draft: a new template's starter, or the saved template loaded once per version
 * (again after a save or restore, so the form shows what was stored). `loadCount` changes on each
 * load or replacement, for editors that must remount to take new content.
 */
export function useTemplateDraft(templateId: string | undefined, initialChannel: Channel) {
  const trpc = useTRPC();
  const template = useQuery({
    ...trpc.templates.get.queryOptions({ id: templateId ?? "" }),
    enabled: Boolean(templateId),
  });
  const [draft, setDraft] = React.useState<Draft | null>(templateId ? null : newDraft(initialChannel));
  const [activeLocale, setActiveLocale] = React.useState("en");
  const [loadCount, setLoadCount] = React.useState(0);

  const loaded = React.useRef<string | null>(null);
  React.useEffect(() => {
    if (!template.data) return;
    const marker = `${template.data.id}@${template.data.currentVersion}`;
    if (loaded.current === marker) return;
    loaded.current = marker;
    const next = draftFrom(template.data);
    setDraft(next);
    setActiveLocale((l) => (Object.hasOwn(next.variants, l) ? l : next.defaultLocale));
    setLoadCount((n) => n + 1);
  }, [template.data]);

  /** Starts over from `next` (e.g. another channel's starter): the editors remount with it. */
  const replaceDraft = React.useCallback((next: Draft) => {
    setDraft(next);
    setActiveLocale(next.defaultLocale);
    setLoadCount((n) => n + 1);
  }, []);

  return { template, draft, setDraft, replaceDraft, activeLocale, setActiveLocale, loadCount };
}

/** Renders the draft on the server shortly after each change; a late answer never replaces a newer one. */
export function useTemplatePreview(draft: Draft | null, locale: string, contactId: string | null) {
  const trpc = useTRPC();
  const [preview, setPreview] = React.useState<TRenderPreview | undefined>(undefined);
  const [previewError, setPreviewError] = React.useState<string | null>(null);
  const mutation = useMutation(trpc.templates.preview.mutationOptions());
  const { mutate: runPreview } = mutation;
  const requestSeq = React.useRef(0);

  React.useEffect(() => {
    if (!draft) return;
    const seq = ++requestSeq.current;
    const timer = setTimeout(() => {
      runPreview(previewRequest(draft, locale, contactId), {
        onSuccess: (result) => {
          if (seq !== requestSeq.current) return;
          setPreview(result);
          setPreviewError(null);
        },
        onError: (error) => {
          if (seq === requestSeq.current) setPreviewError(errorMessage(error));
        },
      });
    }, 350);
    return () => clearTimeout(timer);
  }, [draft, locale, contactId, runPreview]);

  return { preview, previewError, previewPending: mutation.isPending };
}
