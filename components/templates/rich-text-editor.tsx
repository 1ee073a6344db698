"use client";

import * as React from "react";
import { EditorContent, useEditor, useEditorState, type Editor } from "@tiptap/react";
import StarterKit from "@tiptap/starter-kit";
import {
  BoldIcon,
  BracesIcon,
  Heading1Icon,
  Heading2Icon,
  Heading3Icon,
  ItalicIcon,
  LinkIcon,
  ListIcon,
  ListOrderedIcon,
  Redo2Icon,
  UnderlineIcon,
  Undo2Icon,
  UnlinkIcon,
} from "lucide-react";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { Input } from "@/components/ui/input";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { BUILT_IN_VARIABLES } from "@/server/shared/template-variables";

export interface RichTextValue {
  html: string;
  doc: unknown;
}

/**
 * The email body editor (TipTap): bold, italic, underline, links, headings and lists. Liquid is
 * typed as plain text (`{{ contact.first_name }}`, `{% if … %}`); the server reads it back out of
 * the HTML. `initialContent` is read once: remount (key) to load another locale or version.
 */
/** The editable area's attributes: a labelled multi-line textbox, marked invalid with its reason when refused. */
function editorAttributes({
  id,
  ariaLabel,
  invalid,
  describedBy,
}: {
  id?: string;
  ariaLabel?: string;
  invalid?: boolean;
  describedBy?: string;
}): Record<string, string> {
  return {
    ...(id ? { id } : {}),
    role: "textbox",
    "aria-multiline": "true",
    "aria-label": ariaLabel ?? "Email body",
    ...(invalid ? { "aria-invalid": "true" } : {}),
    ...(invalid && describedBy ? { "aria-describedby": describedBy } : {}),
    class: "min-h-72 px-4 py-3 outline-none",
  };
}

export function RichTextEditor({
  initialContent,
  onChange,
  variables,
  disabled,
  invalid,
  id,
  "aria-label": ariaLabel,
  "aria-describedby": describedBy,
}: {
  initialContent: unknown;
  onChange: (value: RichTextValue) => void;
  /** Declared variable names, offered by "Insert variable". */
  variables: string[];
  disabled?: boolean;
  invalid?: boolean;
  id?: string;
  "aria-label"?: string;
  /** Id of the element explaining why the body was refused (with `invalid`). */
  "aria-describedby"?: string;
}) {
  const onChangeRef = React.useRef(onChange);
  React.useEffect(() => {
    onChangeRef.current = onChange;
  }, [onChange]);

  const editor = useEditor({
    immediatelyRender: false,
    editable: !disabled,
    extensions: [
      StarterKit.configure({
        heading: { levels: [1, 2, 3] },
        code: false,
        codeBlock: false,
        link: {
          openOnClick: false,
          autolink: true,
          defaultProtocol: "https",
          HTMLAttributes: { rel: "noopener noreferrer", target: null },
        },
      }),
    ],
    content: (initialContent as string | object | null) ?? "",
    editorProps: { attributes: editorAttributes({ id, ariaLabel }) },
    onUpdate: ({ editor: e }) => onChangeRef.current({ html: e.getHTML(), doc: e.getJSON() }),
  });

  React.useEffect(() => {
    editor?.setEditable(!disabled);
  }, [editor, disabled]);

  React.useEffect(() => {
    editor?.setOptions({ editorProps: { attributes: editorAttributes({ id, ariaLabel, invalid, describedBy }) } });
  }, [editor, id, ariaLabel, invalid, describedBy]);

  return (
    <div
      className={cn(
        "overflow-hidden rounded-md border bg-background shadow-xs focus-within:border-ring focus-within:ring-[3px] focus-within:ring-ring/50",
        invalid && "border-destructive",
        disabled && "opacity-70",
      )}
    >
      {editor ? (
        <Toolbar editor={editor} variables={variables} disabled={disabled} />
      ) : (
        <div className="h-10 border-b bg-muted/40" />
      )}
      <EditorContent
        editor={editor}
        className={cn(
          "text-sm leading-relaxed",
          "[&_.ProseMirror_h1]:mt-3 [&_.ProseMirror_h1]:mb-2 [&_.ProseMirror_h1]:text-2xl [&_.ProseMirror_h1]:font-bold [&_.ProseMirror_p]:my-2",
          "[&_.ProseMirror_h2]:mt-3 [&_.ProseMirror_h2]:mb-2 [&_.ProseMirror_h2]:text-xl [&_.ProseMirror_h2]:font-semibold",
          "[&_.ProseMirror_h3]:mt-2 [&_.ProseMirror_h3]:mb-1 [&_.ProseMirror_h3]:text-base [&_.ProseMirror_h3]:font-semibold",
          "[&_.ProseMirror_ol]:my-2 [&_.ProseMirror_ol]:list-decimal [&_.ProseMirror_ol]:pl-6 [&_.ProseMirror_ul]:my-2 [&_.ProseMirror_ul]:list-disc [&_.ProseMirror_ul]:pl-6",
          "[&_.ProseMirror_a]:text-primary [&_.ProseMirror_a]:underline [&_.ProseMirror_blockquote]:border-l-2 [&_.ProseMirror_blockquote]:pl-3 [&_.ProseMirror_blockquote]:text-muted-foreground [&_.ProseMirror_li_p]:my-0.5",
          "[&_.ProseMirror_hr]:my-4",
        )}
      />
    </div>
  );
}

function ToolButton({
  label,
  active,
  onClick,
  disabled,
  children,
}: {
  label: string;
  active?: boolean;
  onClick: () => void;
  disabled?: boolean;
  children: React.ReactNode;
}) {
  return (
    <Tooltip>
      <TooltipTrigger asChild>
        <Button
          type="button"
          size="icon-sm"
          variant={active ? "secondary" : "ghost"}
          aria-label={label}
          aria-pressed={active}
          disabled={disabled}
          onMouseDown={(e) => e.preventDefault()}
          onClick={onClick}
        >
          {children}
        </Button>
      </TooltipTrigger>
      <TooltipContent>{label}</TooltipContent>
    </Tooltip>
  );
}

function Toolbar({ editor, variables, disabled }: { editor: Editor; variables: string[]; disabled?: boolean }) {
  const state = useEditorState({
    editor,
    selector: ({ editor: e }) => ({
      bold: e.isActive("bold"),
      italic: e.isActive("italic"),
      underline: e.isActive("underline"),
      h1: e.isActive("heading", { level: 1 }),
      h2: e.isActive("heading", { level: 2 }),
      h3: e.isActive("heading", { level: 3 }),
      bullet: e.isActive("bulletList"),
      ordered: e.isActive("orderedList"),
      link: e.isActive("link"),
      href: (e.getAttributes("link").href as string | undefined) ?? "",
      canUndo: e.can().undo(),
      canRedo: e.can().redo(),
    }),
  });
  const [linkOpen, setLinkOpen] = React.useState(false);
  const [href, setHref] = React.useState("");
  const chain = () => editor.chain().focus();

  const openLink = () => {
    setHref(state.href);
    setLinkOpen((open) => !open);
  };
  const applyLink = () => {
    const url = href.trim();
    if (!url) chain().extendMarkRange("link").unsetLink().run();
    else chain().extendMarkRange("link").setLink({ href: url }).run();
    setLinkOpen(false);
  };
  const insert = (name: string) => chain().insertContent(`{{ ${name} }}`).run();

  return (
    <div className="border-b bg-muted/40">
      <div className="flex flex-wrap items-center gap-0.5 p-1" role="toolbar" aria-label="Formatting">
        <ToolButton label="Bold" active={state.bold} disabled={disabled} onClick={() => chain().toggleBold().run()}>
          <BoldIcon />
        </ToolButton>
        <ToolButton
          label="Italic"
          active={state.italic}
          disabled={disabled}
          onClick={() => chain().toggleItalic().run()}
        >
          <ItalicIcon />
        </ToolButton>
        <ToolButton
          label="Underline"
          active={state.underline}
          disabled={disabled}
          onClick={() => chain().toggleUnderline().run()}
        >
          <UnderlineIcon />
        </ToolButton>
        <span className="mx-1 h-5 w-px bg-border" aria-hidden="true" />
        <ToolButton
          label="Heading 1"
          active={state.h1}
          disabled={disabled}
          onClick={() => chain().toggleHeading({ level: 1 }).run()}
        >
          <Heading1Icon />
        </ToolButton>
        <ToolButton
          label="Heading 2"
          active={state.h2}
          disabled={disabled}
          onClick={() => chain().toggleHeading({ level: 2 }).run()}
        >
          <Heading2Icon />
        </ToolButton>
        <ToolButton
          label="Heading 3"
          active={state.h3}
          disabled={disabled}
          onClick={() => chain().toggleHeading({ level: 3 }).run()}
        >
          <Heading3Icon />
        </ToolButton>
        <span className="mx-1 h-5 w-px bg-border" aria-hidden="true" />
        <ToolButton
          label="Bulleted list"
          active={state.bullet}
          disabled={disabled}
          onClick={() => chain().toggleBulletList().run()}
        >
          <ListIcon />
        </ToolButton>
        <ToolButton
          label="Numbered list"
          active={state.ordered}
          disabled={disabled}
          onClick={() => chain().toggleOrderedList().run()}
        >
          <ListOrderedIcon />
        </ToolButton>
        <ToolButton
          label={state.link ? "Edit link" : "Add link"}
          active={state.link || linkOpen}
          disabled={disabled}
          onClick={openLink}
        >
          <LinkIcon />
        </ToolButton>
        {state.link ? (
          <ToolButton
            label="Remove link"
            disabled={disabled}
            onClick={() => chain().extendMarkRange("link").unsetLink().run()}
          >
            <UnlinkIcon />
          </ToolButton>
        ) : null}
        <span className="mx-1 h-5 w-px bg-border" aria-hidden="true" />
        <DropdownMenu>
          <DropdownMenuTrigger asChild>
            <Button type="button" size="sm" variant="ghost" disabled={disabled} className="h-8 gap-1.5 px-2 text-xs">
              <BracesIcon />
              Insert variable
            </Button>
          </DropdownMenuTrigger>
          <DropdownMenuContent align="start" className="w-64">
            {variables.length ? (
              <>
                <DropdownMenuLabel>Declared</DropdownMenuLabel>
                {variables.map((name) => (
                  <DropdownMenuItem key={name} onSelect={() => insert(name)}>
                    <code className="text-xs">{`{{ ${name} }}`}</code>
                  </DropdownMenuItem>
                ))}
                <DropdownMenuSeparator />
              </>
            ) : null}
            <DropdownMenuLabel>Built in</DropdownMenuLabel>
            {BUILT_IN_VARIABLES.map((v) => (
              <DropdownMenuItem key={v.name} onSelect={() => insert(v.name)} className="flex-col items-start gap-0">
                <code className="text-xs">{`{{ ${v.name} }}`}</code>
                <span className="text-xs text-muted-foreground">{v.hint}</span>
              </DropdownMenuItem>
            ))}
          </DropdownMenuContent>
        </DropdownMenu>
        <div className="ml-auto flex items-center gap-0.5">
          <ToolButton label="Undo" disabled={disabled || !state.canUndo} onClick={() => chain().undo().run()}>
            <Undo2Icon />
          </ToolButton>
          <ToolButton label="Redo" disabled={disabled || !state.canRedo} onClick={() => chain().redo().run()}>
            <Redo2Icon />
          </ToolButton>
        </div>
      </div>
      {linkOpen ? (
        <div className="flex flex-wrap items-center gap-2 border-t px-2 py-2">
          <Input
            autoFocus
            value={href}
            onChange={(e) => setHref(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                applyLink();
              } else if (e.key === "Escape") setLinkOpen(false);
            }}
            placeholder="https://… or {{ preferences_url }}"
            aria-label="Link address"
            className="h-8 min-w-0 flex-1"
          />
          <Button type="button" size="sm" onClick={applyLink}>
            {href.trim() ? "Apply" : "Remove link"}
          </Button>
          <Button type="button" size="sm" variant="ghost" onClick={() => setLinkOpen(false)}>
            Cancel
          </Button>
        </div>
      ) : null}
    </div>
  );
}
