/** Which of the user's workspaces the admin UI works in; validated against memberships on every request. */
export const WORKSPACE_COOKIE = "om_workspace";
