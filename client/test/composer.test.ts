import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MESSAGE_BODY_MAX } from "@messenger/protocol";
import { isOverLimit, lastEditable } from "../src/ui/composer-mode";
import { ANA, BEN, msg } from "./fixtures";

describe("composer", () => {
  test("Up edits my latest message that still has text: not someone else's, a deleted one or a call", () => {
    const mine = msg(1, { senderId: ANA, body: "first" });
    const later = msg(2, { senderId: ANA, body: "second" });
    const theirs = msg(3, { senderId: BEN, body: "theirs" });
    const deleted = msg(4, { senderId: ANA, body: "", deletedAt: new Date().toISOString() });
    const photoOnly = msg(5, { senderId: ANA, body: "" });
    assert.equal(lastEditable([mine, later, theirs, deleted, photoOnly], ANA)?.id, later.id);
    assert.equal(lastEditable([theirs], ANA), undefined);
  });

  test("the limit is the server's, counted the same way", () => {
    assert.equal(isOverLimit("a".repeat(MESSAGE_BODY_MAX)), false);
    assert.equal(isOverLimit("a".repeat(MESSAGE_BODY_MAX + 1)), true);
  });
});
