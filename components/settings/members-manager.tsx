"use client";

import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { MailPlusIcon, UserPlusIcon } from "lucide-react";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Spinner } from "@/components/ui/spinner";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toaster";
import { fieldError, formErrorsFrom } from "@/components/ui/form-errors";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { formatDateTime, formatRelative } from "./format";
import { LoadError, LoadingRows } from "./table-states";

type Role = "owner" | "admin" | "marketer" | "viewer";
const ROLES: { value: Role; label: string; hint: string }[] = [
  { value: "owner", label: "Owner", hint: "Everything, including ownership and billing." },
  { value: "admin", label: "Admin", hint: "Members, API keys, settings, and all marketing work." },
  { value: "marketer", label: "Marketer", hint: "Contacts, forms, templates and sends." },
  { value: "viewer", label: "Viewer", hint: "Read-only, with personal data masked." },
];

export function MembersManager({ currentUserId, currentRole }: { currentUserId: string; currentRole: Role }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.members.list.queryOptions());
  const [inviteOpen, setInviteOpen] = React.useState(false);
  const canManage = currentRole === "owner" || currentRole === "admin";
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.members.list.queryKey() });

  const changeRole = useMutation(
    trpc.members.changeRole.mutationOptions({
      onSuccess: (member) => {
        toast.success(`${member.name ?? member.email} is now ${member.role}`);
        void refresh();
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );
  const remove = useMutation(
    trpc.members.remove.mutationOptions({
      onSuccess: () => {
        toast.success("Member removed");
        void refresh();
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );
  const revokeInvite = useMutation(
    trpc.members.revokeInvitation.mutationOptions({
      onSuccess: () => {
        toast.success("Invitation withdrawn");
        void refresh();
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );

  const assignable = ROLES.filter((r) => currentRole === "owner" || r.value !== "owner");

  return (
    <div className="grid gap-6">
      <Card className="gap-0 py-0">
        <CardHeader className="flex flex-row flex-wrap items-center justify-between gap-3 border-b py-4">
          <div className="grid gap-1">
            <CardTitle>Members</CardTitle>
            <CardDescription>People who can sign in to this workspace.</CardDescription>
          </div>
          {canManage ? (
            <Button onClick={() => setInviteOpen(true)}>
              <UserPlusIcon />
              Invite member
            </Button>
          ) : null}
        </CardHeader>
        {list.isPending ? (
          <LoadingRows label="Loading members" />
        ) : list.isError ? (
          <LoadError message={errorMessage(list.error)} onRetry={() => void list.refetch()} />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Member</TableHead>
                <TableHead>Role</TableHead>
                <TableHead className="hidden md:table-cell">Joined</TableHead>
                <TableHead className="hidden sm:table-cell">Last sign-in</TableHead>
                <TableHead className="w-0 text-right">
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {list.data.members.map((member) => {
                const isSelf = member.userId === currentUserId;
                const mayEdit = canManage && !isSelf && (currentRole === "owner" || member.role !== "owner");
                return (
                  <TableRow key={member.userId} data-testid="member-row">
                    <TableCell>
                      <div className="font-medium">
                        {member.name ?? member.email}
                        {isSelf ? (
                          <Badge variant="muted" className="ml-2">
                            You
                          </Badge>
                        ) : null}
                      </div>
                      {member.name ? <div className="text-xs text-muted-foreground">{member.email}</div> : null}
                    </TableCell>
                    <TableCell>
                      {mayEdit ? (
                        <Select
                          value={member.role}
                          onValueChange={(role) => changeRole.mutate({ userId: member.userId, role: role as Role })}
                        >
                          <SelectTrigger
                            size="sm"
                            className="w-32"
                            aria-label={`Role of ${member.name ?? member.email}`}
                          >
                            <SelectValue />
                          </SelectTrigger>
                          <SelectContent>
                            {assignable.map((role) => (
                              <SelectItem key={role.value} value={role.value}>
                                {role.label}
                              </SelectItem>
                            ))}
                          </SelectContent>
                        </Select>
                      ) : (
                        <Badge variant={member.role === "owner" ? "default" : "secondary"} className="capitalize">
                          {member.role}
                        </Badge>
                      )}
                    </TableCell>
                    <TableCell className="hidden text-muted-foreground md:table-cell">
                      {formatDateTime(member.joinedAt).slice(0, 10)}
                    </TableCell>
                    <TableCell className="hidden text-muted-foreground sm:table-cell">
                      {formatRelative(member.lastSignInAt)}
                    </TableCell>
                    <TableCell className="text-right">
                      {mayEdit ? (
                        <AlertDialog>
                          <AlertDialogTrigger asChild>
                            <Button variant="ghost" size="sm" className="text-destructive hover:text-destructive">
                              Remove
                            </Button>
                          </AlertDialogTrigger>
                          <AlertDialogContent>
                            <AlertDialogHeader>
                              <AlertDialogTitle>Remove {member.name ?? member.email}?</AlertDialogTitle>
                              <AlertDialogDescription>
                                They lose access to this workspace at once. Their past actions stay in the audit log.
                              </AlertDialogDescription>
                            </AlertDialogHeader>
                            <AlertDialogFooter>
                              <AlertDialogCancel>Cancel</AlertDialogCancel>
                              <AlertDialogAction
                                className="bg-destructive text-white hover:bg-destructive/90"
                                onClick={() => remove.mutate({ userId: member.userId })}
                              >
                                Remove member
                              </AlertDialogAction>
                            </AlertDialogFooter>
                          </AlertDialogContent>
                        </AlertDialog>
                      ) : null}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        )}
      </Card>

      {canManage ? (
        <Card className="gap-0 py-0">
          <CardHeader className="border-b py-4">
            <CardTitle>Pending invitations</CardTitle>
            <CardDescription>Invitations expire after 7 days.</CardDescription>
          </CardHeader>
          {list.isPending ? (
            <LoadingRows rows={1} label="Loading invitations" />
          ) : list.isError ? null : list.data.invitations.length === 0 ? (
            <EmptyState
              bare
              className="py-10"
              icon={MailPlusIcon}
              title="No pending invitations"
              description="Invite teammates to collaborate on this workspace."
            />
          ) : (
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead>Email</TableHead>
                  <TableHead>Role</TableHead>
                  <TableHead className="hidden sm:table-cell">Expires</TableHead>
                  <TableHead className="w-0 text-right">
                    <span className="sr-only">Actions</span>
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {list.data.invitations.map((invitation) => (
                  <TableRow key={invitation.id} data-testid="invitation-row">
                    <TableCell className="font-medium">{invitation.email}</TableCell>
                    <TableCell>
                      <Badge variant="secondary" className="capitalize">
                        {invitation.role}
                      </Badge>
                    </TableCell>
                    <TableCell className="hidden text-muted-foreground sm:table-cell">
                      {formatDateTime(invitation.expiresAt)}
                    </TableCell>
                    <TableCell className="text-right">
                      <Button variant="ghost" size="sm" onClick={() => revokeInvite.mutate({ id: invitation.id })}>
                        Withdraw
                      </Button>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </Card>
      ) : null}

      <InviteDialog open={inviteOpen} onOpenChange={setInviteOpen} roles={assignable} onInvited={refresh} />
    </div>
  );
}

function InviteDialog({
  open,
  onOpenChange,
  roles,
  onInvited,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  roles: typeof ROLES;
  onInvited: () => void;
}) {
  const trpc = useTRPC();
  const [email, setEmail] = React.useState("");
  const [role, setRole] = React.useState<Role>("marketer");
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const invite = useMutation(
    trpc.members.invite.mutationOptions({
      onSuccess: () => onInvited(),
      onError: (error) => {
        const { fieldErrors, formError } = formErrorsFrom(error, { fallbackField: "email" });
        setErrors(fieldErrors);
        toast.error(formError);
      },
    }),
  );
  const close = (next: boolean) => {
    onOpenChange(next);
    if (!next) {
      setEmail("");
      setErrors({});
      invite.reset();
    }
  };
  const result = invite.data;

  return (
    <Dialog open={open} onOpenChange={close}>
      <DialogContent className="sm:max-w-md">
        {result ? (
          <>
            <DialogHeader>
              <DialogTitle>Invitation created</DialogTitle>
              <DialogDescription>
                {result.delivery === "emailed"
                  ? `We emailed ${result.invitation.email} a link. You can also share it yourself:`
                  : result.delivery === "retrying"
                    ? `The email to ${result.invitation.email} did not go out yet and will be retried. You can also share the link yourself:`
                    : `No email provider is configured: the invitation is in the Outbox. Share this link with ${result.invitation.email} yourself:`}
              </DialogDescription>
            </DialogHeader>
            <div className="flex items-center gap-2 rounded-md border bg-muted/50 p-2">
              <code className="flex-1 text-xs break-all" data-testid="invite-url">
                {result.inviteUrl}
              </code>
              <CopyButton value={result.inviteUrl} srLabel="Copy invitation link" />
            </div>
            <DialogFooter>
              <Button onClick={() => close(false)}>Done</Button>
            </DialogFooter>
          </>
        ) : (
          <form
            className="grid gap-4"
            onSubmit={(e) => {
              e.preventDefault();
              setErrors({});
              invite.mutate({ email, role });
            }}
          >
            <DialogHeader>
              <DialogTitle>Invite a member</DialogTitle>
              <DialogDescription>They get a link to set a password and join this workspace.</DialogDescription>
            </DialogHeader>
            <FormField label="Email" error={fieldError(errors, "email")} required>
              <Input type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoFocus required />
            </FormField>
            <FormField
              label="Role"
              description={roles.find((r) => r.value === role)?.hint}
              error={fieldError(errors, "role")}
              id="invite-role"
            >
              <Select value={role} onValueChange={(value) => setRole(value as Role)}>
                <SelectTrigger className="w-full" id="invite-role">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  {roles.map((r) => (
                    <SelectItem key={r.value} value={r.value}>
                      {r.label}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </FormField>
            <DialogFooter>
              <Button type="button" variant="outline" onClick={() => close(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={invite.isPending}>
                {invite.isPending ? <Spinner /> : null}
                Send invitation
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
