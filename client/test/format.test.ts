import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RequestError } from "../src/core/errors";
import { translator } from "../src/i18n";
import { en } from "../src/i18n/en";
import { es } from "../src/i18n/es";
import {
  continuesGroup,
  errorText,
  highlightMatches,
  matchSnippet,
  membersCountText,
  searchTerms,
  typingText,
  uploadErrorText,
} from "../src/ui/format";
import { BEN, msg } from "./fixtures";

describe("message text", () => {
  test("consecutive messages by one sender within minutes are grouped", () => {
    assert.equal(continuesGroup(msg(1), msg(2)), true);
    assert.equal(continuesGroup(msg(1), msg(2, { senderId: BEN })), false);
    assert.equal(continuesGroup(msg(1), msg(30)), false);
  });
});

describe("search result text", () => {
  test("the words of a query, as the server matches them (quotes, OR and -excluded words aside)", () => {
    assert.deepEqual(searchTerms('  Budget "Q3 plan" or -draft  '), ["budget", "q3", "plan"]);
    assert.deepEqual(searchTerms("¿Qué tal, José?"), ["qué", "tal", "josé"]);
    assert.deepEqual(searchTerms("   "), []);
  });

  test("whole words of the query are marked, whatever their case; parts of longer words are not", () => {
    assert.deepEqual(highlightMatches("The budget, BUDGET and budgeting", ["budget"]), [
      { text: "The ", match: false },
      { text: "budget", match: true },
      { text: ", ", match: false },
      { text: "BUDGET", match: true },
      { text: " and budgeting", match: false },
    ]);
    assert.deepEqual(highlightMatches("no match here", ["budget"]), [{ text: "no match here", match: false }]);
    // Terms are text, not patterns.
    assert.deepEqual(highlightMatches("a+b (c) ab", ["a+b", "(c"]), [
      { text: "a+b", match: true },
      { text: " ", match: false },
      { text: "(c", match: true },
      { text: ") ab", match: false },
    ]);
  });

  test("a long message is cut around its first match so the match is visible", () => {
    const long = `${"word ".repeat(60)}the needle is here ${"tail ".repeat(60)}`;
    const snippet = matchSnippet(long, ["needle"], 80);
    assert.ok(snippet.includes("needle"));
    assert.ok(snippet.length <= 82, `short: ${snippet.length}`);
    assert.ok(snippet.startsWith("…") && snippet.endsWith("…"));
    assert.equal(matchSnippet("short text", ["needle"], 80), "short text");
    assert.ok(matchSnippet(long, ["absent"], 80).startsWith("word word"));
  });
});

describe("UI text", () => {
  test("member counts read right for one and for many", () => {
    assert.equal(membersCountText(1, translator("en")), "1 member");
    assert.equal(membersCountText(3, translator("en")), "3 members");
    assert.equal(membersCountText(1, translator("es")), "1 miembro");
  });

  test("errors from the server show its message; no network says so", () => {
    const t = translator("en");
    const forbidden = new RequestError(403, { code: "forbidden", message: "only a group admin may do that" });
    assert.equal(errorText(forbidden, t), "only a group admin may do that");
    assert.match(errorText(new RequestError(0, { code: "network", message: "network error" }), t), /Can't reach/);
    assert.equal(errorText(new Error("boom"), t), "boom");
  });

  test("typing indicator wording in English and Spanish", () => {
    const t = translator("en");
    assert.equal(typingText(["Ana"], t), "Ana is typing…");
    assert.equal(typingText(["Ana", "Ben"], t), "Ana and Ben are typing…");
    assert.equal(typingText(["Ana", "Ben", "Cy"], t), "3 people are typing…");
    assert.equal(typingText(["Ana"], translator("es")), "Ana está escribiendo…");
    assert.equal(typingText([], t), null);
  });

  test("upload errors say what happened", () => {
    const t = translator("en");
    assert.match(uploadErrorText("infected", "eicar.txt", "Eicar-Signature", t), /^Blocked: infected/);
    assert.match(uploadErrorText("too_large", "big.mov", "", t), /Too large/);
    assert.match(uploadErrorText("unsupported_type", "x.exe", "", t), /Not allowed/);
    assert.match(uploadErrorText("scanner_unavailable", "a.png", "", t), /scanner is unavailable/);
    assert.match(uploadErrorText("unscannable", "secret.zip", "", t), /password-protected/);
    assert.match(uploadErrorText("video_limit_exceeded", "long.mkv", "longer than 20 min", t), /longer than 20 min/);
    assert.match(uploadErrorText("storage_full", "a.png", "", t), /could not be stored/);
  });

  test("every English string has a Spanish translation", () => {
    assert.deepEqual(Object.keys(es).sort(), Object.keys(en).sort());
  });
});
