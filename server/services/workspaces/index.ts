export { createWorkspace, ZCreateWorkspaceInput, type TCreateWorkspaceInput } from "./create-workspace";
export { getWorkspace } from "./get-workspace";
export { updateWorkspace, ZUpdateWorkspaceInput, type TUpdateWorkspaceInput } from "./update-workspace";
export { ZWorkspace, type TWorkspace } from "./schemas";
export { getWorkspaceBrand, type WorkspaceBrand } from "./get-workspace-brand";
