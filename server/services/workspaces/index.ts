export { createWorkspace, ZCreateWorkspaceInput, type TCreateWorkspaceInput } from "./create-workspace";
export { getWorkspace } from "./get-workspace";
export { updateWorkspace, ZUpdateWorkspaceInput, type TUpdateWorkspaceInput } from "./update-workspace";
export { ZWorkspace, type TWorkspace } from "./schemas";
export { getWorkspaceBrand, type WorkspaceBrand } from "./get-workspace-brand";
export { getWorkspaceProfile } from "./get-workspace-profile";
export { updateWorkspaceProfile } from "./update-workspace-profile";
export { removeWorkspaceLogo, setWorkspaceLogo } from "./set-workspace-logo";
export { getWorkspaceLogo } from "./get-workspace-logo";
export {
  ZSetWorkspaceLogoInput,
  ZUpdateWorkspaceProfileInput,
  ZWorkspaceProfileView,
  type TSetWorkspaceLogoInput,
  type TUpdateWorkspaceProfileInput,
  type TWorkspaceProfileView,
} from "./profile-schemas";
export { getSeedList } from "./get-seed-list";
export { updateSeedList } from "./update-seed-list";
export { ZSeedList, ZUpdateSeedListInput, type TSeedList, type TUpdateSeedListInput } from "./seed-list-schemas";
