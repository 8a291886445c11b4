// Syntax highlighting for the source viewer: Rust, TOML and JSON, and a lesson web page's HTML,
// JavaScript and CSS, escaped by highlight.js.
import hljs from "highlight.js/lib/core";
import css from "highlight.js/lib/languages/css";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import rust from "highlight.js/lib/languages/rust";
import ini from "highlight.js/lib/languages/ini";
import xml from "highlight.js/lib/languages/xml";

hljs.registerLanguage("rust", rust);
hljs.registerLanguage("toml", ini);
hljs.registerLanguage("json", json);
hljs.registerLanguage("javascript", javascript);
hljs.registerLanguage("css", css);
hljs.registerLanguage("xml", xml);

export function languageOf(path: string): string {
  if (path.endsWith(".rs")) return "rust";
  if (path.endsWith(".toml")) return "toml";
  if (path.endsWith(".js") || path.endsWith(".mjs")) return "javascript";
  if (path.endsWith(".css")) return "css";
  if (path.endsWith(".html") || path.endsWith(".htm") || path.endsWith(".svg")) return "xml";
  return "json";
}

export function highlight(code: string, language: string): string {
  return hljs.highlight(code, { language, ignoreIllegals: true }).value;
}
