// The client's thread, pin and search-highlight rules, without a server: replies kept once per seq in
// order, which messages the main list leaves to their thread, the pins list kept by live updates, and
// result words marked as the server matched them (prefixes and stems).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { applyPinChange, emptyThread, isThreadOnly, mergeReplies } from "../src/stores/threads";
import { highlightMatches } from "../src/ui/format";
import { msg } from "./fixtures";

const ROOT = "00000000-0000-4000-8000-0000000000aa";

describe("thread replies", () => {
  test("replies from any source are kept once per seq, in order, and a newer copy replaces the older", () => {
    const v = mergeReplies(emptyThread("c"), [msg(5, { threadRootId: ROOT }), msg(3, { threadRootId: ROOT })]);
    assert.deepEqual(
      v.replies.map((m) => m.seq),
      [3, 5],
    );
    const edited = msg(5, { threadRootId: ROOT, body: "edited", editedAt: new Date().toISOString() });
    const again = mergeReplies(v, [msg(3, { threadRootId: ROOT }), edited, msg(4, { threadRootId: ROOT })]);
    assert.deepEqual(
      again.replies.map((m) => [m.seq, m.body === "edited"]),
      [
        [3, false],
        [4, false],
        [5, true],
      ],
    );
    assert.equal(mergeReplies(again, []), again, "nothing new: the same view");
  });

  test("the main list leaves out thread replies unless they were also sent to the conversation", () => {
    assert.equal(isThreadOnly(msg(1)), false);
    assert.equal(isThreadOnly(msg(2, { threadRootId: ROOT })), true);
    assert.equal(isThreadOnly(msg(3, { threadRootId: ROOT, alsoToConversation: true })), false);
  });
});

describe("pins list", () => {
  test("a pin arriving live goes first, an unpin or a delete takes it out; an unasked list stays unasked", () => {
    const a = msg(1, { pinnedAt: "2026-12-01T10:00:00.000Z" });
    const b = msg(2, { pinnedAt: "2026-12-01T11:00:00.000Z" });
    const list = applyPinChange([a], b)!;
    assert.deepEqual(
      list.map((m) => m.seq),
      [2, 1],
    );
    assert.deepEqual(
      applyPinChange(list, { ...a, pinnedAt: null })!.map((m) => m.seq),
      [2],
    );
    assert.deepEqual(
      applyPinChange(list, { ...b, deletedAt: "2026-12-01T12:00:00.000Z" })!.map((m) => m.seq),
      [1],
    );
    assert.equal(applyPinChange(list, msg(9)), list, "an unpinned message that was not listed changes nothing");
    assert.equal(applyPinChange(undefined, b), undefined);
  });
});

describe("search highlights", () => {
  test("with prefixes, a word that starts with a term is marked whole (typed prefixes and stems)", () => {
    assert.deepEqual(highlightMatches("Welcome to the meetings", ["welc", "meet"], { prefix: true }), [
      { text: "Welcome", match: true },
      { text: " to the ", match: false },
      { text: "meetings", match: true },
    ]);
    assert.deepEqual(highlightMatches("unwelcome", ["welc"], { prefix: true }), [{ text: "unwelcome", match: false }]);
  });
});
