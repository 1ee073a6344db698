export { changeMemberRole, ZChangeMemberRoleInput } from "./change-member-role";
export { listMembers } from "./list-members";
export { removeMember, ZRemoveMemberInput } from "./remove-member";
export { ZMember, ZRole, type TMember } from "./schemas";
