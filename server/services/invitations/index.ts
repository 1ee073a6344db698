export { inviteMember, ZInviteMemberInput } from "./invite-member";
export type { InvitationDelivery, TInviteMemberInput } from "./invite-member";
export { listInvitations } from "./list-invitations";
export { revokeInvitation } from "./revoke-invitation";
export { previewInvitation } from "./preview-invitation";
export type { InvitationPreview, TPreviewInvitationInput } from "./preview-invitation";
export { acceptInvitation, ZAcceptInvitationInput } from "./accept-invitation";
export { ZInvitation } from "./rows";
export type { TInvitation } from "./rows";
