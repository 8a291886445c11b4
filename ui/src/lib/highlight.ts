// Syntax highlighting for the source viewer: Rust, TOML and JSON, escaped by highlight.js.
import hljs from "highlight.js/lib/core";
import json from "highlight.js/lib/languages/json";
import rust from "highlight.js/lib/languages/rust";
import ini from "highlight.js/lib/languages/ini";

hljs.registerLanguage("rust", rust);
hljs.registerLanguage("toml", ini);
hljs.registerLanguage("json", json);

export function languageOf(path: string): string {
  if (path.endsWith(".rs")) return "rust";
  if (path.endsWith(".toml")) return "toml";
  return "json";
}

export function highlight(code: string, language: string): string {
  return hljs.highlight(code, { language, ignoreIllegals: true }).value;
}
