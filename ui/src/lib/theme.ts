// Appearance: follow the OS, or always light or dark. The choice is kept in localStorage and
// applied as `data-theme` on the root element, which the stylesheet keys its colours on.
export type Theme = "system" | "light" | "dark";

const KEY = "serverless-lab.theme";
const query = (): MediaQueryList | null =>
  typeof window === "undefined" ? null : window.matchMedia("(prefers-color-scheme: dark)");

export function savedTheme(): Theme {
  const saved = typeof localStorage === "undefined" ? null : localStorage.getItem(KEY);
  return saved === "light" || saved === "dark" ? saved : "system";
}

/** The colours `theme` means right now. */
export function resolve(theme: Theme, prefersDark: boolean): "light" | "dark" {
  if (theme === "system") return prefersDark ? "dark" : "light";
  return theme;
}

export function applyTheme(theme: Theme): void {
  localStorage.setItem(KEY, theme);
  document.documentElement.dataset.theme = resolve(theme, query()?.matches ?? false);
}

/** Applies the saved theme and follows the OS while it is "system". */
export function initTheme(): void {
  applyTheme(savedTheme());
  query()?.addEventListener("change", () => applyTheme(savedTheme()));
}
