// Dark and light themes: CSS variables keyed by <html data-theme>. The
// choice is kept in localStorage (it is not a secret); the default follows
// the system.
export type Theme = "light" | "dark";
const KEY = "stratus-theme";

export function initialTheme(): Theme {
  const saved = localStorage.getItem(KEY);
  if (saved === "light" || saved === "dark") return saved;
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function applyTheme(theme: Theme) {
  document.documentElement.dataset.theme = theme;
}

export function saveTheme(theme: Theme) {
  localStorage.setItem(KEY, theme);
  applyTheme(theme);
}
