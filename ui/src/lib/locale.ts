// Imported first: a process started with LANG=C gives the webview the language tag "C", which
// `Intl` refuses with a RangeError — and the chart library formats numbers with
// `navigator.language` as it loads. An invalid tag is replaced by the page's default, "en-US",
// before anything else runs.

/** Whether `Intl` accepts `tag`. */
export function isValidLanguageTag(tag: string): boolean {
  if (tag.length === 0) return false;
  try {
    Intl.NumberFormat.supportedLocalesOf([tag]);
    return true;
  } catch {
    return false;
  }
}

if (typeof navigator !== "undefined" && !isValidLanguageTag(navigator.language)) {
  Object.defineProperty(navigator, "language", { value: "en-US", configurable: true });
}
