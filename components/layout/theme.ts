/**
 * Theme preference lives in localStorage("theme") = "light" | "dark" (absent = follow the OS).
 * THEME_SCRIPT runs inline in <head> (app/layout.tsx) so the `dark` class is set before first paint.
 */
export type ThemePreference = "light" | "dark" | "system";

export const THEME_STORAGE_KEY = "theme";

export const THEME_SCRIPT = `(function(){try{var t=localStorage.getItem("${THEME_STORAGE_KEY}");var d=t==="dark"||(t!=="light"&&window.matchMedia("(prefers-color-scheme: dark)").matches);document.documentElement.classList.toggle("dark",d);}catch(e){}})();`;
