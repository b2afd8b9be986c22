/** @jsxRuntime automatic */ // also when the pure renderer tests run these files outside Vite
// markdown-it tokens → React elements. Only the tags listed here can appear; text is always a text
// node (React escapes it), so nothing a sender types becomes markup of its own.
import type { Token } from "markdown-it";
import { createElement, Fragment, type ReactNode } from "react";
import { CodeBlock } from "./CodeBlock";
import { isSafeHref, parseMessage } from "./markdown";

/**
 * Turns a run of plain text into nodes: the plug-in point for mentions (`@name` highlighting) and
 * anything else that decorates words. Never called for code.
 */
export type TextRenderer = (text: string, key: string) => ReactNode;
const asText: TextRenderer = (text) => text;

const TAGS = new Set([
  ...["p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "hr", "br"],
  ...["table", "thead", "tbody", "tr", "th", "td", "strong", "em", "s", "a", "code"],
]);

interface Frame {
  token: Token | null;
  children: ReactNode[];
}

export function renderMarkdown(text: string, renderText: TextRenderer = asText): ReactNode[] {
  let n = 0;
  const key = () => `m${n++}`;
  const root: Frame = { token: null, children: [] };
  const stack: Frame[] = [root];
  const top = () => stack[stack.length - 1]!;

  const element = (t: Token, children: ReactNode[]): ReactNode => {
    if (!TAGS.has(t.tag)) return createElement(Fragment, { key: key() }, ...children);
    const props: Record<string, unknown> = { key: key() };
    if (t.tag === "a") {
      const href = String(t.attrGet("href") ?? "");
      // markdown-it already refused unsafe links; this is the second lock on the door.
      if (!isSafeHref(href)) return createElement(Fragment, { key: key() }, ...children);
      Object.assign(props, { href, target: "_blank", rel: "noopener noreferrer nofollow" });
    }
    if (t.tag === "ol") {
      const start = Number(t.attrGet("start") ?? 1);
      if (start !== 1 && Number.isFinite(start)) props.start = start;
    }
    if (t.tag === "th" || t.tag === "td") {
      const align = /text-align:(left|right|center)/.exec(String(t.attrGet("style") ?? ""))?.[1];
      if (align) props.style = { textAlign: align };
    }
    if (t.tag === "table")
      return (
        <div key={key()} className="table-scroll">
          {createElement("table", null, ...children)}
        </div>
      );
    return createElement(t.tag, props, ...(children.length ? children : []));
  };

  const walk = (tokens: Token[]) => {
    for (const t of tokens) {
      if (t.nesting === 1) {
        stack.push({ token: t, children: [] });
      } else if (t.nesting === -1) {
        const frame = stack.pop()!;
        // Paragraphs inside tight list items are hidden: their content goes straight into the <li>.
        if (frame.token?.hidden) top().children.push(...frame.children);
        else top().children.push(element(frame.token!, frame.children));
      } else {
        top().children.push(...leaf(t));
      }
    }
  };

  const leaf = (t: Token): ReactNode[] => {
    switch (t.type) {
      case "inline":
        walk(t.children ?? []);
        return [];
      case "text":
      case "text_special":
        return [renderText(t.content, key())];
      case "emoji":
        return [
          <span key={key()} className="emoji" title={`:${t.markup}:`}>
            {t.content}
          </span>,
        ];
      case "code_inline":
        return [<code key={key()}>{t.content}</code>];
      case "softbreak":
      case "hardbreak":
        return [<br key={key()} />];
      case "hr":
        return [<hr key={key()} />];
      case "fence":
      case "code_block":
        return [<CodeBlock key={key()} code={t.content.replace(/\n$/, "")} language={t.info.trim().split(/\s+/)[0]} />];
      default:
        // Anything else (there should be nothing else) shows as the text it came from.
        return t.content ? [t.content] : [];
    }
  };

  walk(parseMessage(text));
  // Unclosed frames cannot happen with markdown-it's output; fold any into the root all the same.
  while (stack.length > 1) {
    const frame = stack.pop()!;
    top().children.push(...frame.children);
  }
  return root.children;
}
