export { changePassword, ZChangePasswordInput } from "./change-password";
export { updateProfile, ZUpdateProfileInput } from "./update-profile";
