// What a line typed in the search box means, without a database: words, "phrases", -excluded words and
// the filters; a bad filter is a clear 400, and nothing typed can become query syntax.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AppError } from "@messenger/common";
import { isEmptySearch, MAX_WORDS, parseSearch } from "../src/domain/search-query.js";

describe("search query", () => {
  test("words, phrases, exclusions and filters", () => {
    assert.deepEqual(
      parseSearch(
        'Budget "Q3 plan" -draft from:@Ana in:#product-team has:file has:link before:2026-12-01 after:2026-01-31',
      ),
      {
        words: ["budget"],
        phrases: ["q3 plan"],
        excluded: ["draft"],
        from: ["ana"],
        in: ["product-team"],
        has: ["file", "link"],
        before: "2026-12-01",
        after: "2026-01-31",
      },
    );
  });

  test("punctuation and operators are not syntax: only runs of letters and digits become words", () => {
    const p = parseSearch("a & b | !c 'x':* <-> ((");
    assert.deepEqual(p.words, ["a", "b", "c", "x"]);
    assert.deepEqual(parseSearch("¿Reunión mañana?").words, ["reunión", "mañana"]);
    assert.deepEqual(parseSearch('"single"').words, ["single"], "a one-word phrase is a word");
    assert.equal(parseSearch(Array.from({ length: 30 }, (_, i) => `w${i}`).join(" ")).words.length, MAX_WORDS);
  });

  test("a filter with a bad value is refused in words; nothing but exclusions finds nothing", () => {
    for (const bad of ["before:yesterday", "after:2026-02-30", "has:spreadsheet"]) {
      assert.throws(
        () => parseSearch(bad),
        (e: unknown) => e instanceof AppError && e.statusCode === 400,
        bad,
      );
    }
    assert.equal(isEmptySearch(parseSearch("-draft")), true);
    assert.equal(isEmptySearch(parseSearch("has:image")), false);
  });
});
