// `:tada:` → 🎉: the shortcodes people type, from markdown-it-emoji's table (GitHub's names), the same
// table the web client renders message text with.
import shortcodes from "markdown-it-emoji/lib/data/full.mjs";

const SHORTCODE = /^:([a-z0-9_+-]{1,64}):$/;

/** The emoji a `:shortcode:` stands for, or undefined when it is not one we know. */
export function emojiForShortcode(s: string): string | undefined {
  const name = SHORTCODE.exec(s)?.[1];
  return name && Object.hasOwn(shortcodes, name) ? shortcodes[name] : undefined;
}
