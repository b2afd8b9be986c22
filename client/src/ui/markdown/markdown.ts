// The one configured markdown parser for message text (CommonMark + the GFM parts people type in
// chat: strikethrough, tables, bare links) and the plain-text form of a message for previews.
// Raw HTML is never HTML here: with `html: false` markdown-it keeps it as text.

import type { Token } from "markdown-it";
import MarkdownIt from "markdown-it";
import { full as emoji } from "markdown-it-emoji";

/** Only these schemes become links; `javascript:`, `data:`, `vbscript:`, relative paths stay text. */
const SAFE_LINK = /^(?:https?:|mailto:)/i;
export const isSafeHref = (href: string | null | undefined): href is string => !!href && SAFE_LINK.test(href.trim());

export const md = new MarkdownIt("default", { html: false, linkify: true, breaks: true, typographer: false })
  // `:smile:` → 😄; no ":)" style shortcuts, which bite in code-like text ("f(x:)").
  .use(emoji, { shortcuts: {} })
  // Setext headings turn a line followed by "---" into a title; images would load any URL: neither in chat.
  .disable(["lheading", "image"]);
md.validateLink = isSafeHref;
// "www.example.org" and "example.com" are links as people type them; "ann@example.com" is not a mailto.
md.linkify.set({ fuzzyLink: true, fuzzyEmail: false });

export function parseMessage(text: string): Token[] {
  return md.parse(text, {});
}

/**
 * What a message says without its markup, on one line: for the conversation list, reply quotes,
 * the composer's "editing/replying to" line and notifications. Emoji shortcodes become emoji.
 */
export function plainText(text: string): string {
  const out: string[] = [];
  for (const block of parseMessage(text)) {
    if (block.type === "fence" || block.type === "code_block") out.push(block.content);
    else if (block.type === "inline")
      for (const t of block.children ?? []) {
        if (t.type === "softbreak" || t.type === "hardbreak") out.push(" ");
        else if (t.type === "text" || t.type === "code_inline" || t.type === "emoji" || t.type === "text_special")
          out.push(t.content);
      }
    if (block.nesting === -1 || block.type === "fence" || block.type === "code_block") out.push(" ");
  }
  return out.join("").replace(/\s+/g, " ").trim();
}
