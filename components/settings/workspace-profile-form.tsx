"use client";

import * as React from "react";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { ImageUpIcon, Trash2Icon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { formErrorsFrom } from "@/components/ui/form-errors";
import { Textarea } from "@/components/ui/textarea";
import { toast } from "@/components/ui/toaster";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import type { TWorkspaceProfileView } from "@/server/services/workspaces";
import {
  DEFAULT_ACCENT_COLOR,
  formatFrom,
  LOGO_CONTENT_TYPES,
  MAX_LOGO_BYTES,
  readableAccent,
} from "@/server/shared/workspace-profile";

interface Props {
  workspaceName: string;
  profile: TWorkspaceProfileView;
  canEdit: boolean;
}

type Fields = "senderName" | "replyTo" | "postalAddress" | "accentColor" | "logoUrl";

function initials(name: string): string {
  return (
    name
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((w) => w[0]!.toUpperCase())
      .join("") || "?"
  );
}

function readAsBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(new Error("The file could not be read"));
    reader.readAsDataURL(file);
  });
}

/** Sender, postal address and the brand of hosted pages (Settings → General). */
export function WorkspaceProfileForm({ workspaceName, profile, canEdit }: Props) {
  const trpc = useTRPC();
  const router = useRouter();
  const initial: Record<Fields, string> = {
    senderName: profile.senderName ?? "",
    replyTo: profile.replyTo ?? "",
    postalAddress: profile.postalAddress ?? "",
    accentColor: profile.accentColor ?? "",
    logoUrl: profile.logoUrl ?? "",
  };
  const [values, setValues] = React.useState(initial);
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const [logoError, setLogoError] = React.useState<string | null>(null);
  const fileInput = React.useRef<HTMLInputElement>(null);
  const set = (key: Fields) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
    setValues((v) => ({ ...v, [key]: e.target.value }));
  const dirty = (Object.keys(initial) as Fields[]).some((k) => initial[k] !== values[k]);

  const update = useMutation(
    trpc.workspace.updateProfile.mutationOptions({
      onSuccess: () => {
        setErrors({});
        toast.success("Sender and brand saved");
        router.refresh();
      },
      onError: (error) => {
        const { fieldErrors, formError } = formErrorsFrom(error);
        setErrors(fieldErrors);
        toast.error(formError);
      },
    }),
  );
  const setLogo = useMutation(
    trpc.workspace.setLogo.mutationOptions({
      onSuccess: () => {
        setLogoError(null);
        toast.success("Logo uploaded");
        router.refresh();
      },
      onError: (error) => {
        const { fieldErrors, formError } = formErrorsFrom(error);
        setLogoError(fieldErrors.data ?? formError);
      },
    }),
  );
  const removeLogo = useMutation(
    trpc.workspace.removeLogo.mutationOptions({
      onSuccess: () => {
        toast.success("Logo removed");
        router.refresh();
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );

  async function onFile(file: File | undefined) {
    if (!file) return;
    setLogoError(null);
    if (!(LOGO_CONTENT_TYPES as readonly string[]).includes(file.type)) {
      setLogoError("Upload a PNG, JPEG, GIF, WebP or SVG image");
      return;
    }
    if (file.size > MAX_LOGO_BYTES) {
      setLogoError(
        `The logo must be ${MAX_LOGO_BYTES / 1024} KB or smaller (this one is ${Math.ceil(file.size / 1024)} KB)`,
      );
      return;
    }
    try {
      const data = await readAsBase64(file);
      setLogo.mutate({ contentType: file.type as (typeof LOGO_CONTENT_TYPES)[number], data });
    } catch {
      setLogoError("The file could not be read");
    }
  }

  const accent = readableAccent(/^#[0-9a-fA-F]{6}$/.test(values.accentColor) ? values.accentColor : null);
  const logoSrc = profile.uploadedLogoSrc ?? (values.logoUrl.startsWith("https://") ? values.logoUrl : null);
  // What the server will write: the same formatting as every email's From.
  const fromPreview = formatFrom(values.senderName, profile.defaults.from);

  const footer = canEdit ? (
    <CardFooter className="justify-end border-t pt-4">
      <Button type="submit" disabled={!dirty || update.isPending}>
        {update.isPending ? <Spinner /> : null}
        Save sender and brand
      </Button>
    </CardFooter>
  ) : (
    <CardFooter className="border-t pt-4 text-sm text-muted-foreground">
      Only admins and owners can change these settings.
    </CardFooter>
  );

  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        update.mutate(values);
      }}
      className="grid gap-6"
    >
      <Card>
        <CardHeader>
          <CardTitle role="heading" aria-level={2}>
            Email sender
          </CardTitle>
          <CardDescription>
            Who your email comes from, where replies go, and the postal address every marketing email must show.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid max-w-xl gap-4">
          <FormField
            label="Sender name"
            description={
              <>
                Email goes out as <span className="font-medium text-foreground">{fromPreview}</span>.
              </>
            }
            error={errors.senderName}
          >
            <Input
              value={values.senderName}
              onChange={set("senderName")}
              disabled={!canEdit}
              maxLength={80}
              placeholder={workspaceName}
            />
          </FormField>
          <FormField
            label="Reply-to address"
            description="Where replies to your email go. Empty: to the sender address."
            error={errors.replyTo}
          >
            <Input
              type="email"
              value={values.replyTo}
              onChange={set("replyTo")}
              disabled={!canEdit}
              placeholder="support@example.com"
            />
          </FormField>
          <FormField
            label="Postal address"
            description={
              profile.defaults.postalAddress
                ? "Printed in the footer of every marketing email (the law requires one). Empty: the server's address is used."
                : "Printed in the footer of every marketing email (the law requires one). Until it is set, marketing email is not sent through an email provider."
            }
            error={errors.postalAddress}
          >
            <Textarea
              value={values.postalAddress}
              onChange={set("postalAddress")}
              disabled={!canEdit}
              rows={3}
              maxLength={300}
              placeholder={profile.defaults.postalAddress ?? "Acme Inc., 1 Main Street, Springfield, IL 62701, USA"}
            />
          </FormField>
        </CardContent>
        {footer}
      </Card>

      <Card>
        <CardHeader>
          <CardTitle role="heading" aria-level={2}>
            Hosted pages
          </CardTitle>
          <CardDescription>
            Your logo and colour on sign-up forms, confirmation, preference and unsubscribe pages.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-6 lg:grid-cols-[minmax(0,36rem)_minmax(0,1fr)]">
          <div className="grid gap-4">
            <FormField
              label="Accent colour"
              description={`Buttons, links and switches. Darkened automatically where white text on it would be hard to read. Empty: ${DEFAULT_ACCENT_COLOR}.`}
              error={errors.accentColor}
            >
              <Input
                value={values.accentColor}
                onChange={set("accentColor")}
                disabled={!canEdit}
                placeholder={DEFAULT_ACCENT_COLOR}
                maxLength={7}
                className="w-32 font-mono"
              />
            </FormField>
            <div className="grid gap-2">
              <span className="text-sm font-medium" id="logo-label">
                Logo
              </span>
              <p className="text-sm text-muted-foreground">
                PNG, JPEG, GIF, WebP or SVG, up to {MAX_LOGO_BYTES / 1024} KB. Shown about 40 pixels high.
              </p>
              {canEdit ? (
                <div className="flex flex-wrap items-center gap-2">
                  <input
                    ref={fileInput}
                    type="file"
                    accept={LOGO_CONTENT_TYPES.join(",")}
                    className="sr-only"
                    aria-labelledby="logo-label"
                    onChange={(e) => {
                      void onFile(e.target.files?.[0]);
                      e.target.value = "";
                    }}
                  />
                  <Button
                    type="button"
                    variant="outline"
                    onClick={() => fileInput.current?.click()}
                    disabled={setLogo.isPending}
                  >
                    {setLogo.isPending ? <Spinner /> : <ImageUpIcon />}
                    {profile.uploadedLogoSrc ? "Replace logo" : "Upload logo"}
                  </Button>
                  {profile.uploadedLogoSrc ? (
                    <Button
                      type="button"
                      variant="ghost"
                      onClick={() => removeLogo.mutate()}
                      disabled={removeLogo.isPending}
                    >
                      {removeLogo.isPending ? <Spinner /> : <Trash2Icon />}
                      Remove uploaded logo
                    </Button>
                  ) : null}
                </div>
              ) : null}
              {logoError ? (
                <p role="alert" className="text-sm text-destructive">
                  {logoError}
                </p>
              ) : null}
            </div>
            <FormField
              label="Logo address"
              description="Or an https:// address of your logo, used when none is uploaded."
              error={errors.logoUrl}
            >
              <Input
                type="url"
                value={values.logoUrl}
                onChange={set("logoUrl")}
                disabled={!canEdit}
                placeholder="https://example.com/logo.png"
              />
            </FormField>
          </div>
          <figure className="grid content-start gap-2">
            <figcaption className="text-sm font-medium">Preview</figcaption>
            <div className="rounded-xl border bg-muted/40 p-6" data-testid="brand-preview">
              <div className="mx-auto max-w-sm rounded-xl border bg-background p-5 shadow-sm">
                <div className="flex items-center gap-3">
                  {logoSrc ? (
                    <img src={logoSrc} alt={`${workspaceName} logo`} className="h-10 w-auto max-w-40 object-contain" />
                  ) : (
                    <span
                      aria-hidden="true"
                      className="flex size-10 items-center justify-center rounded-lg text-sm font-semibold text-white"
                      style={{ backgroundColor: accent }}
                    >
                      {initials(workspaceName)}
                    </span>
                  )}
                  <span className="font-semibold">{workspaceName}</span>
                </div>
                <p className="mt-4 text-sm text-muted-foreground">Get our newsletter</p>
                <span
                  className="mt-3 inline-flex h-9 items-center rounded-md px-4 text-sm font-medium text-white"
                  style={{ backgroundColor: accent }}
                >
                  Subscribe
                </span>
              </div>
            </div>
          </figure>
        </CardContent>
        {footer}
      </Card>
    </form>
  );
}
