// Notification settings per member: defaults by size, live sync to the user's other devices, and
// the one function that decides who is notified of a message (push and the client follow it).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import type { Conversation, NotificationsEvent } from "@messenger/protocol";
import { membersToNotify, shouldNotify } from "../src/domain/notifications.js";
import {
  api,
  directWith,
  groupOf,
  type Harness,
  recorder,
  register,
  send,
  socketFor,
  startHarness,
  type TestUser,
} from "./helpers.js";

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

const settingsOf = async (u: TestUser, id: string) =>
  (await api<{ conversation: Conversation }>(h, u, "GET", `/api/conversations/${id}`)).body.conversation.notifications;
const put = (u: TestUser, id: string, body: object) =>
  api<{ conversation: Conversation }>(h, u, "PUT", `/api/conversations/${id}/notifications`, body);

test("defaults: direct and groups of up to 10 notify of everything, bigger groups of mentions", async () => {
  const people = await Promise.all(Array.from({ length: 11 }, () => register(h)));
  const [dana, ...others] = people as [TestUser, ...TestUser[]];
  const dm = await directWith(h, dana, others[0]!);
  const ten = await groupOf(h, dana, others.slice(0, 9));
  const eleven = await groupOf(h, dana, others);
  assert.deepEqual(await settingsOf(dana, dm), { level: "all", muted: false });
  assert.deepEqual(await settingsOf(dana, ten), { level: "all", muted: false });
  assert.deepEqual(await settingsOf(others[3]!, eleven), { level: "mentions", muted: false });
});

test("a member's settings reach their other devices live, nobody else's, and survive a restart", async () => {
  const [dana, lee] = await Promise.all([register(h), register(h)]);
  const conv = await groupOf(h, dana, [lee]);
  const laptop = recorder(await socketFor(h, dana.accessToken));
  const leeSocket = recorder(await socketFor(h, lee.accessToken));

  const r = await put(dana, conv, { level: "mentions", muted: true });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.conversation.notifications, { level: "mentions", muted: true });
  const synced = await laptop.waitFor<NotificationsEvent>("conversation:notifications");
  assert.deepEqual(synced, { conversationId: conv, notifications: { level: "mentions", muted: true } });
  assert.deepEqual(await settingsOf(lee, conv), { level: "all", muted: false }, "Lee's are his own");
  assert.equal(leeSocket.of("conversation:notifications").length, 0);

  assert.equal((await put(dana, conv, { level: "loud", muted: false })).status, 400);
  assert.equal((await put(dana, conv, { level: "all" })).status, 400);
  await h.restart();
  assert.deepEqual(await settingsOf(dana, conv), { level: "mentions", muted: true });
});

test("who is notified: @bob reaches Bob even at `mentions`, a plain message nobody at `mentions`", async () => {
  const [dana, bob, lee] = await Promise.all([
    register(h, `dana.${randomUUID().slice(0, 6)}`),
    register(h, `bob.${randomUUID().slice(0, 6)}`),
    register(h),
  ]);
  const conv = await groupOf(h, dana, [bob, lee]);
  for (const u of [bob, lee]) assert.equal((await put(u, conv, { level: "mentions", muted: false })).status, 200);
  const sd = await socketFor(h, dana.accessToken);
  const stores = h.app.deps.stores;

  const plain = await send(sd, conv, "lunch?");
  assert.deepEqual(await membersToNotify(stores, plain), []);
  const named = await send(sd, conv, `@${bob.user.username} lunch?`);
  assert.deepEqual(await membersToNotify(stores, named), [bob.user.id]);
  const everyone = await send(sd, conv, "@channel lunch!");
  assert.deepEqual((await membersToNotify(stores, everyone)).sort(), [bob.user.id, lee.user.id].sort());

  // Muted: only what mentions me; `none`: not even that; `all`: everything, but never one's own message.
  assert.equal((await put(bob, conv, { level: "all", muted: true })).status, 200);
  assert.equal((await put(lee, conv, { level: "none", muted: false })).status, 200);
  assert.deepEqual(await membersToNotify(stores, plain), []);
  assert.deepEqual(await membersToNotify(stores, everyone), [bob.user.id]);
  assert.equal((await put(lee, conv, { level: "all", muted: false })).status, 200);
  assert.deepEqual(await membersToNotify(stores, plain), [lee.user.id]);
});

test("shouldNotify: direct messages count as mentions, a mention breaks through mute, system messages notify nobody", () => {
  const me = "00000000-0000-4000-8000-000000000001";
  const other = "00000000-0000-4000-8000-000000000002";
  const msg = { senderId: other, kind: "text" as const, mentions: { userIds: [], channel: false } };
  const at = (level: "all" | "mentions" | "none", muted = false) => ({ userId: me, settings: { level, muted } });
  assert.equal(shouldNotify(at("mentions"), "direct", msg), true);
  assert.equal(shouldNotify(at("mentions"), "group", msg), false);
  assert.equal(shouldNotify(at("all"), "group", { ...msg, kind: "system" }), false);
  assert.equal(shouldNotify(at("all"), "group", { ...msg, senderId: me }), false);
  assert.equal(shouldNotify(at("all", true), "direct", msg), false);
  assert.equal(shouldNotify(at("all", true), "group", { ...msg, mentions: { userIds: [me], channel: false } }), true);
  assert.equal(shouldNotify(at("none"), "group", { ...msg, mentions: { userIds: [], channel: true } }), false);
});
