import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  applyMessage,
  applyReceipt,
  createConversationsStore,
  deliveryStatus,
  seenBy,
  sortedConversations,
  totalUnread,
} from "../src/stores/conversations";
import { createTypingStore, TYPING_TTL_MS } from "../src/stores/typing";
import { ANA, BEN, CONV, conversation, ME, msg, user } from "./fixtures";

describe("conversations store: unread counts", () => {
  test("a message from someone else while I'm elsewhere counts once, even if it arrives twice", () => {
    let c = conversation();
    c = applyMessage(c, msg(1), ME, false);
    c = applyMessage(c, msg(1), ME, false);
    c = applyMessage(c, msg(2), ME, false);
    assert.equal(c.unreadCount, 2);
    assert.equal(c.lastSeq, 2);
    assert.equal(c.lastMessage?.seq, 2);
  });

  test("my own messages and messages I'm looking at are never unread", () => {
    let c = conversation();
    c = applyMessage(c, msg(1, { senderId: ME }), ME, false);
    c = applyMessage(c, msg(2), ME, true);
    assert.equal(c.unreadCount, 0);
    assert.equal(c.lastMessage?.seq, 2);
  });

  test("reading on another device (my read receipt) clears or lowers the count", () => {
    let c = conversation();
    for (let s = 1; s <= 5; s++) c = applyMessage(c, msg(s), ME, false);
    assert.equal(c.unreadCount, 5);
    c = applyReceipt(c, { conversationId: CONV, userId: ME, kind: "read", seq: 3 }, ME);
    assert.equal(c.unreadCount, 2);
    c = applyReceipt(c, { conversationId: CONV, userId: ME, kind: "read", seq: 5 }, ME);
    assert.equal(c.unreadCount, 0);
  });

  test("the total across conversations feeds the tab title", () => {
    const store = createConversationsStore(() => ME);
    store.setAll([conversation({ unreadCount: 2 }), conversation({ id: "other", unreadCount: 3 })]);
    assert.equal(store.total(), 5);
    store.markRead(CONV, 10);
    assert.equal(totalUnread(store.get()), 3);
  });

  test("the list is sorted by latest activity, and a new message moves its conversation to the top", () => {
    const store = createConversationsStore(() => ME);
    const a = conversation({ id: "a", lastActivityAt: "2026-01-05T10:00:00.000Z" });
    const b = conversation({ id: "b", lastActivityAt: "2026-01-05T11:00:00.000Z" });
    store.setAll([a, b]);
    assert.deepEqual(
      sortedConversations(store.get()).map((c) => c.id),
      ["b", "a"],
    );
    store.applyMessage(msg(1, { conversationId: "a", createdAt: "2026-01-05T12:00:00.000Z" }), false);
    assert.deepEqual(
      sortedConversations(store.get()).map((c) => c.id),
      ["a", "b"],
    );
  });
});

describe("conversations store: delivery and seen", () => {
  test("✓ sent → ✓✓ delivered → seen, positions only move forward", () => {
    let c = conversation({ lastSeq: 4 });
    assert.equal(deliveryStatus(c, 4, ME), "sent");
    c = applyReceipt(c, { conversationId: CONV, userId: ANA, kind: "delivered", seq: 4 }, ME);
    assert.equal(deliveryStatus(c, 4, ME), "delivered");
    c = applyReceipt(c, { conversationId: CONV, userId: ANA, kind: "read", seq: 4 }, ME);
    assert.equal(deliveryStatus(c, 4, ME), "seen");
    const same = applyReceipt(c, { conversationId: CONV, userId: ANA, kind: "read", seq: 2 }, ME);
    assert.equal(same, c, "an older receipt changes nothing");
  });

  test("in a group, seen-by lists who has read and 'seen' needs everyone", () => {
    let c = conversation({
      kind: "group",
      title: "Team",
      members: [
        { user: user(ME, "Me"), role: "admin", lastReadSeq: 0, lastDeliveredSeq: 0 },
        { user: user(ANA, "Ana"), role: "member", lastReadSeq: 0, lastDeliveredSeq: 0 },
        { user: user(BEN, "Ben"), role: "member", lastReadSeq: 0, lastDeliveredSeq: 0 },
      ],
    });
    c = applyReceipt(c, { conversationId: CONV, userId: ANA, kind: "read", seq: 3 }, ME);
    assert.deepEqual(
      seenBy(c, 3, ME).map((u) => u.displayName),
      ["Ana"],
    );
    assert.equal(deliveryStatus(c, 3, ME), "sent");
    c = applyReceipt(c, { conversationId: CONV, userId: BEN, kind: "read", seq: 5 }, ME);
    assert.equal(deliveryStatus(c, 3, ME), "seen");
  });
});

describe("typing store", () => {
  test("typing shows until stopped, a message arrives, or it expires", () => {
    let now = 1000;
    const store = createTypingStore(() => now);
    store.apply({ conversationId: CONV, userId: ANA, typing: true });
    store.apply({ conversationId: CONV, userId: BEN, typing: true });
    assert.deepEqual(store.users(CONV).sort(), [ANA, BEN].sort());
    store.stopped(CONV, ANA);
    assert.deepEqual(store.users(CONV), [BEN]);
    now += TYPING_TTL_MS + 1;
    assert.deepEqual(store.users(CONV), []);
  });
});
