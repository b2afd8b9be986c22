// Light, dark or the system's choice: the colours are CSS variables (styles.css), switched by
// `data-theme` on <html>; "system" follows prefers-color-scheme.
export type Theme = "light" | "dark" | "system";
const THEME_KEY = "messenger.theme";

export function savedTheme(): Theme {
  const t = globalThis.localStorage?.getItem(THEME_KEY);
  return t === "light" || t === "dark" ? t : "system";
}

export function applyTheme(theme: Theme) {
  globalThis.localStorage?.setItem(THEME_KEY, theme);
  if (typeof document === "undefined") return;
  if (theme === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}
