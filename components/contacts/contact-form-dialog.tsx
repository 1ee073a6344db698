"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { toast } from "@/components/ui/toaster";
import { useTRPC } from "@/components/providers/trpc-provider";
import { fieldError, formErrorsFrom } from "@/components/ui/form-errors";

export type ContactFormValues = {
  email: string;
  phone: string;
  firstName: string;
  lastName: string;
  tags: string;
  locale: string;
  timezone: string;
};

const EMPTY: ContactFormValues = {
  email: "",
  phone: "",
  firstName: "",
  lastName: "",
  tags: "",
  locale: "",
  timezone: "",
};

function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}

let timeZones: string[] | undefined;
function supportedTimeZones(): string[] {
  timeZones ??= typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return timeZones;
}

/**
 * "New contact" (upsert by address: an existing email or phone updates that contact, and the form
 * says so) or "Edit contact" (by id, may change addresses). One dialog, two mutations.
 */
export function ContactFormDialog(props: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** Set to edit this contact; omitted to create one. */
  contactId?: string;
  initial?: Partial<ContactFormValues>;
}) {
  return (
    <Dialog open={props.open} onOpenChange={props.onOpenChange}>
      <DialogContent className="sm:max-w-lg">{props.open ? <ContactForm {...props} /> : null}</DialogContent>
    </Dialog>
  );
}

/** Mounted each time the dialog opens, so its fields start from `initial`. */
function ContactForm({
  onOpenChange,
  contactId,
  initial,
}: {
  onOpenChange: (open: boolean) => void;
  contactId?: string;
  initial?: Partial<ContactFormValues>;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const isEdit = Boolean(contactId);
  const [values, setValues] = React.useState<ContactFormValues>(() => ({ ...EMPTY, ...initial }));
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const zonesId = React.useId();

  const onError = (error: unknown) => {
    const { fieldErrors, formError } = formErrorsFrom(error, { fallbackField: "email" });
    setErrors(fieldErrors);
    toast.error(formError);
  };
  const create = useMutation(
    trpc.contacts.create.mutationOptions({
      onSuccess: ({ id, created }) => {
        toast.success(created ? "Contact created" : "A contact with this address already existed: we updated it");
        void queryClient.invalidateQueries({ queryKey: trpc.contacts.list.pathKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.contacts.tags.pathKey() });
        onOpenChange(false);
        router.push(`/contacts/${id}`);
      },
      onError,
    }),
  );
  const update = useMutation(
    trpc.contacts.update.mutationOptions({
      onSuccess: () => {
        toast.success("Contact saved");
        void queryClient.invalidateQueries({ queryKey: trpc.contacts.pathKey() });
        onOpenChange(false);
      },
      onError,
    }),
  );
  const pending = create.isPending || update.isPending;
  const set = (key: keyof ContactFormValues) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setValues((v) => ({ ...v, [key]: e.target.value }));

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setErrors({});
    if (!values.email.trim() && !values.phone.trim()) {
      setErrors({ email: "Give an email address or a phone number" });
      return;
    }
    const tags = parseTags(values.tags);
    if (contactId) {
      update.mutate({
        id: contactId,
        email: values.email.trim(),
        phone: values.phone.trim(),
        firstName: values.firstName.trim(),
        lastName: values.lastName.trim(),
        locale: values.locale.trim(),
        timezone: values.timezone.trim(),
        tags,
      });
    } else {
      const text = (value: string) => value.trim() || undefined;
      create.mutate({
        email: text(values.email),
        phone: text(values.phone),
        firstName: text(values.firstName),
        lastName: text(values.lastName),
        locale: text(values.locale),
        timezone: text(values.timezone),
        tags: tags.length ? tags : undefined,
      });
    }
  };

  return (
    <form className="grid gap-4" onSubmit={submit} noValidate>
      <DialogHeader>
        <DialogTitle>{isEdit ? "Edit contact" : "New contact"}</DialogTitle>
        <DialogDescription>
          {isEdit
            ? "Changes are recorded in the audit log. Consent is changed separately, on the contact page."
            : "Adding a contact grants no consent: record an opt-in with evidence afterwards. An address that already exists updates that contact."}
        </DialogDescription>
      </DialogHeader>
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField label="First name" error={fieldError(errors, "firstName")}>
          <Input value={values.firstName} onChange={set("firstName")} autoComplete="off" maxLength={100} autoFocus />
        </FormField>
        <FormField label="Last name" error={fieldError(errors, "lastName")}>
          <Input value={values.lastName} onChange={set("lastName")} autoComplete="off" maxLength={100} />
        </FormField>
      </div>
      <FormField label="Email" error={fieldError(errors, "email")}>
        <Input
          type="email"
          value={values.email}
          onChange={set("email")}
          autoComplete="off"
          placeholder="name@example.com"
          maxLength={320}
        />
      </FormField>
      <FormField
        label="Phone"
        error={fieldError(errors, "phone")}
        description="Any format; national numbers are read in the workspace's default region and stored as E.164."
      >
        <Input
          type="tel"
          value={values.phone}
          onChange={set("phone")}
          autoComplete="off"
          placeholder="+1 415 555 2671"
          maxLength={40}
        />
      </FormField>
      <FormField label="Tags" error={fieldError(errors, "tags")} description="Separate tags with commas.">
        <Input value={values.tags} onChange={set("tags")} autoComplete="off" placeholder="customer, vip" />
      </FormField>
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField label="Locale" error={fieldError(errors, "locale")}>
          <Input value={values.locale} onChange={set("locale")} autoComplete="off" placeholder="en-US" maxLength={35} />
        </FormField>
        <FormField label="Time zone" error={fieldError(errors, "timezone")}>
          <Input
            value={values.timezone}
            onChange={set("timezone")}
            autoComplete="off"
            placeholder="America/New_York"
            list={zonesId}
          />
        </FormField>
        <datalist id={zonesId}>
          {supportedTimeZones().map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
      </div>
      <DialogFooter>
        <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
          Cancel
        </Button>
        <Button type="submit" loading={pending}>
          {isEdit ? "Save changes" : "Create contact"}
        </Button>
      </DialogFooter>
    </form>
  );
}
