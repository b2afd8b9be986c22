import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  addPending,
  applyPage,
  applyWindow,
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

describe("messages store: a window on older history (a search result far back)", () => {
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => msg(from + i));

  test("the window replaces what was shown, keeps unsent messages and starts the list over", () => {
    let tl = applyPage(emptyTimeline, range(951, 1000), true, "latest");
    tl = addPending(tl, pending("unsent"));
    tl = applyPage(tl, range(941, 950), true, "before");
    const window = applyWindow(tl, [...range(10, 25), ...range(26, 40)], true, true);
    assert.deepEqual(
      seqs(window),
      range(10, 40).map((m) => m.seq),
    );
    assert.equal(window.hasMoreBefore, true);
    assert.equal(window.hasMoreAfter, true);
    assert.equal(window.prepended, 0);
    assert.equal(window.epoch, tl.epoch + 1, "the list re-mounts at the new place");
    assert.equal(window.pending[0]?.clientId, "unsent");
  });

  test("live messages do not enter a window that stops before the newest; updates of shown ones do", () => {
    let tl = applyWindow(emptyTimeline, range(10, 40), true, true);
    assert.equal(leavesGap(tl, msg(1001)), false, "a message far beyond the window is no reason to catch up");
    tl = mergeMessages(tl, [msg(1001)]);
    assert.equal(tl.messages.at(-1)?.seq, 40);
    tl = mergeMessages(tl, [msg(20, { body: "edited", editedAt: "2026-01-05T10:00:00.000Z" })]);
    assert.equal(tl.messages.find((m) => m.seq === 20)?.body, "edited");
    assert.equal(catchUpCursor(tl), 40);
  });

  test("newer pages extend the window until it reaches the newest message, then live messages append again", () => {
    let tl = applyWindow(emptyTimeline, range(10, 40), true, true);
    tl = applyPage(tl, range(41, 140), true, "after");
    assert.equal(tl.hasMoreAfter, true);
    tl = applyPage(tl, range(141, 150), false, "after");
    assert.equal(tl.hasMoreAfter, false);
    tl = mergeMessages(tl, [msg(151)]);
    assert.deepEqual(
      seqs(tl),
      range(10, 151).map((m) => m.seq),
      "contiguous, nothing twice",
    );
    tl = applyPage(tl, range(1, 9), false, "before");
    assert.equal(tl.prepended, 9);
    assert.equal(tl.hasMoreBefore, false);
  });

  test("a window that already reaches the newest message behaves like the latest page", () => {
    let tl = applyWindow(emptyTimeline, range(80, 100), true, false);
    assert.equal(leavesGap(tl, msg(102)), true);
    tl = mergeMessages(tl, [msg(101)]);
    assert.equal(tl.messages.at(-1)?.seq, 101);
  });

  test("resetting a timeline starts the list over too", () => {
    const store = createMessagesStore();
    store.applyPage(CONV, [msg(1)], false, "latest");
    const before = store.timeline(CONV).epoch;
    store.reset(CONV);
    assert.equal(store.timeline(CONV).epoch, before + 1);
  });
});
