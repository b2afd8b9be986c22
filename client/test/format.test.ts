import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { translator } from "../src/i18n";
import { en } from "../src/i18n/en";
import { es } from "../src/i18n/es";
import { continuesGroup, linkify, typingText, uploadErrorText } from "../src/ui/format";
import { BEN, msg } from "./fixtures";

describe("message text", () => {
  test("links become link parts; markup stays text", () => {
    const parts = linkify("<img src=x onerror=alert(1)> see https://example.com/a?b=1. and www.example.org!");
    assert.deepEqual(parts, [
      { kind: "text", text: "<img src=x onerror=alert(1)> see " },
      { kind: "link", text: "https://example.com/a?b=1", href: "https://example.com/a?b=1" },
      { kind: "text", text: ". and " },
      { kind: "link", text: "www.example.org", href: "https://www.example.org" },
      { kind: "text", text: "!" },
    ]);
  });

  test("javascript: URLs are never links", () => {
    assert.deepEqual(linkify("javascript:alert(1)"), [{ kind: "text", text: "javascript:alert(1)" }]);
  });

  test("consecutive messages by one sender within minutes are grouped", () => {
    assert.equal(continuesGroup(msg(1), msg(2)), true);
    assert.equal(continuesGroup(msg(1), msg(2, { senderId: BEN })), false);
    assert.equal(continuesGroup(msg(1), msg(30)), false);
  });
});

describe("UI text", () => {
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
  });

  test("every English string has a Spanish translation", () => {
    assert.deepEqual(Object.keys(es).sort(), Object.keys(en).sort());
  });
});
