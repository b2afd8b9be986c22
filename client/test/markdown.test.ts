import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { plainText } from "../src/ui/markdown/markdown";
import { renderMarkdown, type TextRenderer } from "../src/ui/markdown/render";

const html = (text: string, renderText?: TextRenderer) =>
  renderToStaticMarkup(createElement("div", null, ...renderMarkdown(text, renderText)));

describe("message formatting", () => {
  test("bold, italic, strikethrough, inline code, lists, quotes and links become their elements", () => {
    const out = html(
      "**bold** _it_ ~~gone~~ `x < y`\n\n- one\n- two\n\n1. first\n\n> quoted\n\nsee [docs](https://example.com/d)",
    );
    assert.match(out, /<strong>bold<\/strong>/);
    assert.match(out, /<em>it<\/em>/);
    assert.match(out, /<s>gone<\/s>/);
    assert.match(out, /<code>x &lt; y<\/code>/);
    assert.match(out, /<ul><li>one<\/li><li>two<\/li><\/ul>/);
    assert.match(out, /<ol><li>first<\/li><\/ol>/);
    assert.match(out, /<blockquote><p>quoted<\/p><\/blockquote>/);
    assert.match(
      out,
      /<a href="https:\/\/example.com\/d" target="_blank" rel="noopener noreferrer nofollow">docs<\/a>/,
    );
  });

  test("a fenced block is pre > code, in its language, with the code as text", () => {
    const out = html("```ts\nconst a = 1 < 2;\n```");
    assert.match(out, /<pre><code class="hljs language-ts">const a = 1 &lt; 2;<\/code><\/pre>/);
  });

  test("raw HTML stays text and unsafe links never become links", () => {
    const out = html(
      "<script>alert(1)</script> <img src=x onerror=alert(1)> [a](javascript:alert(1)) [b](data:text/html,x) javascript:alert(2)",
    );
    assert.doesNotMatch(out, /<script|<img|<a /);
    assert.match(out, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(out, /\[a\]\(javascript:alert\(1\)\)/);
  });

  test("bare URLs are links; :shortcodes: are emoji; newlines are line breaks", () => {
    const out = html("hi :smile:\nwww.example.org and https://example.com/a?b=1.");
    assert.match(out, /<span class="emoji" title=":smile:">😄<\/span>/);
    assert.match(out, /<br\/>/);
    assert.match(out, /<a href="http:\/\/www.example.org"/);
    assert.match(out, /<a href="https:\/\/example.com\/a\?b=1"/);
  });

  test("tables render with their alignment", () => {
    const out = html("| a | b |\n|:-|-:|\n| 1 | 2 |");
    assert.match(out, /<table><thead><tr><th style="text-align:left">a<\/th><th style="text-align:right">b<\/th>/);
  });

  test("the text renderer decorates text runs (mentions) but never code", () => {
    const mark: TextRenderer = (t, key) => createElement("mark", { key }, t);
    const out = html("hey @ann **@ben** `@code`", mark);
    assert.match(out, /<mark>hey @ann <\/mark><strong><mark>@ben<\/mark><\/strong>/);
    assert.match(out, /<code>@code<\/code>/);
  });

  test("plain text drops the markup for previews", () => {
    assert.equal(plainText("**Ship** it :rocket:\n\n- `npm test`\n- [docs](https://x.y)"), "Ship it 🚀 npm test docs");
    assert.equal(plainText("<b>hi</b>"), "<b>hi</b>");
  });
});
