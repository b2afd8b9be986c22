import assert from "node:assert/strict";
import { test } from "node:test";
import { badgeCount } from "../src/pwa/badge";
import { conversation } from "./fixtures";

test("the app badge counts unread as each conversation's notification settings weigh it", () => {
  const dm = conversation({ id: "dm", unreadCount: 3, mentionCount: 0 });
  const smallGroup = conversation({ id: "g1", kind: "group", unreadCount: 2, mentionCount: 1 });
  const bigGroup = conversation({
    id: "g2",
    kind: "group",
    unreadCount: 40,
    mentionCount: 1,
    notifications: { level: "mentions", muted: false },
  });
  const muted = conversation({
    id: "g3",
    kind: "group",
    unreadCount: 9,
    mentionCount: 2,
    notifications: { level: "all", muted: true },
  });
  const silent = conversation({
    id: "g4",
    kind: "group",
    unreadCount: 5,
    notifications: { level: "none", muted: false },
  });
  const mutedDm = conversation({ id: "dm2", unreadCount: 4, notifications: { level: "all", muted: true } });
  assert.equal(badgeCount({ dm, smallGroup, bigGroup, muted, silent, mutedDm }), 3 + 2 + 1 + 2 + 0 + 0);
  assert.equal(badgeCount({}), 0);
});
