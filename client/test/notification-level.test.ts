// Notification levels without a browser: which messages notify at `all`, `mentions`, `none` and when
// muted; notices never; what the tab title counts; notices are never unread, mentions are counted.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Message } from "@messenger/protocol";
import { applyMessage } from "../src/stores/conversations";
import { attentionCount, shouldNotify } from "../src/ui/notification-level";
import { ANA, conversation, ME, msg } from "./fixtures";

const group = (level: "all" | "mentions" | "none", muted = false) =>
  conversation({ kind: "group", title: "Launch", notifications: { level, muted } });
const plain = msg(1);
const mention = msg(2, { mentions: { userIds: [ME], channel: false } });
const everyone = msg(3, { mentions: { userIds: [], channel: true } });
const notice: Message = msg(4, { kind: "system", system: { event: "joined", actorId: ANA, userIds: [ANA] } });

describe("notification levels", () => {
  test("all: every message; mentions: only mentions of me or everyone; none: nothing", () => {
    assert.deepEqual(
      [plain, mention, everyone].map((m) => shouldNotify(group("all"), m, ME)),
      [true, true, true],
    );
    assert.deepEqual(
      [plain, mention, everyone].map((m) => shouldNotify(group("mentions"), m, ME)),
      [false, true, true],
    );
    assert.deepEqual(
      [plain, mention, everyone].map((m) => shouldNotify(group("none"), m, ME)),
      [false, false, false],
    );
  });

  test("a direct message notifies at mentions; muted only mentions; notices and my own never", () => {
    assert.equal(shouldNotify(conversation({ notifications: { level: "mentions", muted: false } }), plain, ME), true);
    assert.equal(shouldNotify(group("all", true), plain, ME), false);
    assert.equal(shouldNotify(group("all", true), mention, ME), true);
    assert.equal(shouldNotify(group("all"), notice, ME), false);
    assert.equal(shouldNotify(group("all"), msg(5, { senderId: ME }), ME), false);
  });

  test("the title counts unread, but of a muted conversation only its mentions", () => {
    const loud = conversation({ id: "a", unreadCount: 4, mentionCount: 1 });
    const quiet = { ...group("all", true), id: "b", unreadCount: 9, mentionCount: 2 };
    assert.equal(attentionCount({ a: loud, b: quiet }), 6);
  });

  test("notices take a seq but are not unread; mentions of me are counted apart", () => {
    let c = group("all");
    for (const m of [plain, mention, everyone, notice]) c = applyMessage(c, m, ME, false);
    assert.equal(c.lastSeq, 4);
    assert.equal(c.unreadCount, 3);
    assert.equal(c.mentionCount, 2);
  });
});
