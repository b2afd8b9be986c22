import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  addPending,
  applyPage,
  catchUpCursor,
  createMessagesStore,
  emptyTimeline,
  leavesGap,
  markFailed,
  markRetrying,
  mergeMessages,
  type PendingSend,
} from "../src/stores/messages";
import { CONV, ME, msg } from "./fixtures";

const seqs = (tl: { messages: { seq: number }[] }) => tl.messages.map((m) => m.seq);

function pending(clientId: string, body = "hi"): PendingSend {
  return {
    clientId,
    conversationId: CONV,
    senderId: ME,
    body,
    attachments: [],
    replyToId: null,
    createdAt: new Date().toISOString(),
    status: "pending",
    attempts: 1,
  };
}

describe("messages store: merge, dedupe, order", () => {
  test("messages arriving out of order are shown in seq order", () => {
    const tl = mergeMessages(emptyTimeline, [msg(3), msg(1), msg(2)]);
    assert.deepEqual(seqs(tl), [1, 2, 3]);
  });

  test("the same message from the live event, a page and a catch-up is shown once", () => {
    let tl = applyPage(emptyTimeline, [msg(1), msg(2)], false, "latest");
    tl = mergeMessages(tl, [msg(3)]); // live
    tl = mergeMessages(tl, [msg(2), msg(3), msg(4)]); // catch-up overlapping
    tl = mergeMessages(tl, [msg(4)]); // live event replayed
    assert.deepEqual(seqs(tl), [1, 2, 3, 4]);
  });

  test("an edited copy replaces the original, and a stale page does not undo the edit", () => {
    let tl = mergeMessages(emptyTimeline, [msg(1), msg(2)]);
    const edited = msg(2, { body: "fixed typo", editedAt: "2026-01-05T10:00:00.000Z" });
    tl = mergeMessages(tl, [edited]);
    tl = mergeMessages(tl, [msg(1), msg(2)]); // page fetched before the edit
    assert.equal(tl.messages[1]!.body, "fixed typo");
    const deleted = msg(2, { body: "", deletedAt: "2026-01-05T10:01:00.000Z", editedAt: "2026-01-05T10:00:00.000Z" });
    tl = mergeMessages(tl, [deleted]);
    tl = mergeMessages(tl, [edited]);
    assert.ok(tl.messages[1]!.deletedAt, "a delete is never undone by an older copy");
  });

  test("merging nothing new keeps the same timeline object (no re-render)", () => {
    const tl = mergeMessages(emptyTimeline, [msg(1)]);
    assert.equal(mergeMessages(tl, [tl.messages[0]!]), tl);
  });

  test("older pages count as prepended so the virtual list keeps its place", () => {
    let tl = applyPage(emptyTimeline, [msg(51), msg(52)], true, "latest");
    assert.equal(tl.prepended, 0);
    assert.equal(tl.hasMoreBefore, true);
    tl = applyPage(tl, [msg(49), msg(50)], false, "before");
    assert.equal(tl.prepended, 2);
    assert.equal(tl.hasMoreBefore, false);
    tl = mergeMessages(tl, [msg(53)]);
    assert.equal(tl.prepended, 2, "appending does not count");
    assert.deepEqual(seqs(tl), [49, 50, 51, 52, 53]);
  });
});

describe("messages store: pending sends", () => {
  test("pending → acked: the ack replaces the pending copy (same clientId), nothing twice", () => {
    let tl = addPending(emptyTimeline, pending("c-1"));
    assert.equal(tl.pending.length, 1);
    tl = mergeMessages(tl, [msg(7, { senderId: ME, clientId: "c-1", body: "hi" })]);
    assert.equal(tl.pending.length, 0);
    assert.deepEqual(seqs(tl), [7]);
    // A late re-send ack or an echo of the same message does not bring it back.
    tl = addPending(tl, pending("c-1"));
    assert.equal(tl.pending.length, 0);
  });

  test("pending → failed → retry keeps the clientId and counts the attempt", () => {
    const store = createMessagesStore();
    store.addPending(pending("c-2"));
    store.markFailed(CONV, "c-2", { code: "rate_limited", message: "slow down" });
    let p = store.timeline(CONV).pending[0]!;
    assert.equal(p.status, "failed");
    assert.equal(p.error?.code, "rate_limited");
    assert.deepEqual(store.unacked(), [], "failed sends wait for the user, they are not re-sent automatically");
    store.markRetrying(CONV, "c-2");
    p = store.timeline(CONV).pending[0]!;
    assert.equal(p.status, "pending");
    assert.equal(p.clientId, "c-2");
    assert.equal(p.attempts, 2);
    assert.deepEqual(
      store.unacked().map((x) => x.clientId),
      ["c-2"],
    );
  });

  test("the ack of a retried send that had reached the server the first time still shows one message", () => {
    let tl = addPending(emptyTimeline, pending("c-3"));
    tl = markFailed(tl, "c-3", { code: "timeout", message: "no answer" });
    tl = markRetrying(tl, "c-3");
    const same = msg(4, { senderId: ME, clientId: "c-3" });
    tl = mergeMessages(tl, [same]);
    tl = mergeMessages(tl, [same]);
    assert.equal(tl.messages.length, 1);
    assert.equal(tl.pending.length, 0);
  });

  test("unacked lists pending sends of every conversation in the order they were typed", () => {
    const store = createMessagesStore();
    store.addPending(pending("a"));
    store.addPending({ ...pending("b"), conversationId: "other" });
    store.addPending(pending("c"));
    assert.deepEqual(
      store.unacked().map((p) => p.clientId),
      ["a", "c", "b"],
    );
  });

  test("resetting a timeline that fell too far behind keeps its unsent messages", () => {
    const store = createMessagesStore();
    store.merge(CONV, [msg(1)]);
    store.addPending(pending("keep"));
    store.reset(CONV);
    assert.deepEqual(store.timeline(CONV).messages, []);
    assert.equal(store.timeline(CONV).pending[0]?.clientId, "keep");
    assert.equal(store.timeline(CONV).loaded, false);
  });
});

describe("messages store: catch-up cursor", () => {
  test("resumes after the last contiguous seq, so a hole from missed events is refilled", () => {
    assert.equal(catchUpCursor(emptyTimeline), 0);
    let tl = applyPage(emptyTimeline, [msg(10), msg(11), msg(12)], true, "latest");
    assert.equal(catchUpCursor(tl), 12);
    assert.equal(leavesGap(tl, msg(13)), false);
    assert.equal(leavesGap(tl, msg(15)), true);
    tl = mergeMessages(tl, [msg(15)]); // live event after a missed 13 and 14
    assert.equal(catchUpCursor(tl), 12);
    tl = mergeMessages(tl, [msg(13), msg(14), msg(15), msg(16)]);
    assert.equal(catchUpCursor(tl), 16);
    assert.deepEqual(seqs(tl), [10, 11, 12, 13, 14, 15, 16]);
  });
});
