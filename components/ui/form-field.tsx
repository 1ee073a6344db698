import * as React from "react";

import { cn } from "./cn";
import { Label } from "./label";

type FormFieldProps = Omit<React.ComponentProps<"div">, "children"> & {
  label: React.ReactNode;
  /** The control, e.g. <Input name="email" />. It receives id, aria-invalid and aria-describedby. */
  children: React.ReactElement;
  /** Id for the control; generated when omitted. */
  id?: string;
  description?: React.ReactNode;
  /** Validation message; marks the control aria-invalid. */
  error?: React.ReactNode;
  required?: boolean;
  /** Optional element aligned to the right of the label (e.g. "Forgot password?"). */
  labelAside?: React.ReactNode;
};

type ControlProps = {
  id?: string;
  "aria-invalid"?: boolean | "true" | "false";
  "aria-describedby"?: string;
  "aria-required"?: boolean;
};

/**
 * Label + control + description + error, wired together for assistive tech.
 * Works in Server and Client Components.
 */
function FormField({
  label,
  children,
  id,
  description,
  error,
  required,
  labelAside,
  className,
  ...props
}: FormFieldProps) {
  const generatedId = React.useId();
  const child = children as React.ReactElement<ControlProps>;
  const controlId = id ?? child.props.id ?? `field-${generatedId}`;
  const descriptionId = description ? `${controlId}-description` : undefined;
  const errorId = error ? `${controlId}-error` : undefined;
  const describedBy = [child.props["aria-describedby"], descriptionId, errorId].filter(Boolean).join(" ") || undefined;

  const control = React.cloneElement(child, {
    id: controlId,
    "aria-describedby": describedBy,
    ...(error ? { "aria-invalid": true } : {}),
    ...(required ? { "aria-required": true } : {}),
  });

  return (
    <div
      data-slot="form-field"
      data-invalid={error ? true : undefined}
      className={cn("grid gap-2", className)}
      {...props}
    >
      <div className="flex items-center justify-between gap-2">
        <Label htmlFor={controlId} className={cn(error && "text-destructive")}>
          {label}
          {required ? (
            <span aria-hidden="true" className="-ml-1 text-destructive">
              *
            </span>
          ) : null}
        </Label>
        {labelAside}
      </div>
      {control}
      {description ? (
        <p id={descriptionId} className="text-xs text-muted-foreground">
          {description}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} role="alert" className="text-xs font-medium text-destructive">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export { FormField, type FormFieldProps };
