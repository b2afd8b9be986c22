// Syntax highlighting, loaded only when a message with a code block is on screen: highlight.js's
// core and a few languages people paste in chat. Its output becomes React nodes (spans and text),
// never HTML in the page.

import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import css from "highlight.js/lib/languages/css";
import diff from "highlight.js/lib/languages/diff";
import go from "highlight.js/lib/languages/go";
import java from "highlight.js/lib/languages/java";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import python from "highlight.js/lib/languages/python";
import rust from "highlight.js/lib/languages/rust";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";
import { createElement, type ReactNode } from "react";

const LANGUAGES = { bash, css, diff, go, java, javascript, json, python, rust, sql, typescript, xml, yaml };
for (const [name, lang] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, lang);
const AUTO = Object.keys(LANGUAGES);
// Guessing the language of a long paste costs more than it is worth.
const AUTO_MAX_CHARS = 5_000;

/** Highlighted code as React nodes, or null when the language is unknown and cannot be guessed. */
export function highlight(code: string, language?: string): ReactNode[] | null {
  let html: string;
  if (language && hljs.getLanguage(language)) html = hljs.highlight(code, { language, ignoreIllegals: true }).value;
  else if (!language && code.length <= AUTO_MAX_CHARS) {
    const guess = hljs.highlightAuto(code, AUTO);
    if (!guess.language || guess.relevance < 5) return null;
    html = guess.value;
  } else return null;
  // An inert document (scripts never run in it); only <span class> and text are carried over.
  const doc = new DOMParser().parseFromString(`<pre>${html}</pre>`, "text/html");
  let n = 0;
  const toReact = (node: Node): ReactNode => {
    if (node.nodeType === Node.TEXT_NODE) return node.textContent;
    if (node instanceof HTMLElement && node.tagName === "SPAN")
      return createElement("span", { key: n++, className: node.className }, ...[...node.childNodes].map(toReact));
    return node.textContent;
  };
  return [...doc.body.firstChild!.childNodes].map(toReact);
}
