import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { signAccessToken } from "@messenger/common";
import type { Conversation, Message, PresenceEvent, ReceiptEvent, TypingEvent } from "@messenger/protocol";
import { io as connect } from "socket.io-client";
import {
  api,
  directWith,
  emitAck,
  groupOf,
  type Harness,
  recorder,
  register,
  send,
  socketFor,
  startHarness,
} from "./helpers.js";

let h: Harness;
before(async () => {
  h = await startHarness({ TYPING_THROTTLE_MS: "60000" });
});
after(async () => {
  await h.close();
});

const unread = async (user: Parameters<typeof api>[1], conv: string) =>
  (await api<{ conversation: Conversation }>(h, user, "GET", `/api/conversations/${conv}`)).body.conversation
    .unreadCount;

test("receipts and unread counts stay in step across two devices of one user", async () => {
  const alice = await register(h);
  const bob = await register(h);
  const conv = await directWith(h, alice, bob);
  const sa = await socketFor(h, alice.accessToken);
  const phone = await socketFor(h, bob.accessToken);
  const laptop = await socketFor(h, bob.accessToken);
  const [ra, rphone, rlaptop] = [recorder(sa), recorder(phone), recorder(laptop)];

  const sent: Message[] = [];
  for (let i = 1; i <= 3; i++) sent.push(await send(sa, conv, `m${i}`));
  await rphone.waitFor<Message>("message:new", (m) => m.seq === 3);
  await rlaptop.waitFor<Message>("message:new", (m) => m.seq === 3);
  assert.equal(await unread(bob, conv), 3);
  assert.equal(await unread(alice, conv), 0, "my own messages are never unread");

  // The phone confirms delivery of everything, then reads up to 2.
  assert.deepEqual(await emitAck(phone, "conversation:delivered", { conversationId: conv, seq: 3 }), { ok: true });
  await ra.waitFor<ReceiptEvent>("receipt", (r) => r.kind === "delivered" && r.seq === 3 && r.userId === bob.user.id);
  assert.deepEqual(await emitAck(phone, "conversation:read", { conversationId: conv, seq: 2 }), { ok: true });
  // The laptop hears it (sync across devices) and so does the sender.
  await rlaptop.waitFor<ReceiptEvent>("receipt", (r) => r.kind === "read" && r.seq === 2);
  await ra.waitFor<ReceiptEvent>("receipt", (r) => r.kind === "read" && r.seq === 2 && r.userId === bob.user.id);
  assert.equal(rphone.of<ReceiptEvent>("receipt").length, 0, "the device that read gets an ack, not an echo");
  assert.equal(await unread(bob, conv), 1);

  // Positions only move forward, and never past the last message.
  assert.deepEqual(await emitAck(laptop, "conversation:read", { conversationId: conv, seq: 1 }), { ok: true });
  assert.equal(await unread(bob, conv), 1);
  assert.deepEqual(await emitAck(laptop, "conversation:read", { conversationId: conv, seq: 999 }), { ok: true });
  await rphone.waitFor<ReceiptEvent>("receipt", (r) => r.kind === "read" && r.seq === 3);
  assert.equal(await unread(bob, conv), 0);
  const me = (
    await api<{ conversation: Conversation }>(h, bob, "GET", `/api/conversations/${conv}`)
  ).body.conversation.members.find((m) => m.user.id === bob.user.id)!;
  assert.equal(me.lastReadSeq, 3);
  assert.equal(me.lastDeliveredSeq, 3);

  // Bob answers from the laptop: his own read position follows, Alice now has 1 unread.
  await send(laptop, conv, "got it");
  assert.equal(await unread(bob, conv), 0);
  assert.equal(await unread(alice, conv), 1);
  const list = await api<{ conversations: Conversation[] }>(h, alice, "GET", "/api/conversations");
  assert.equal(list.body.conversations.find((c) => c.id === conv)?.unreadCount, 1);
});

test("typing reaches the other members' sockets only, throttled by the server", async () => {
  const [ann, ben, cat, eve] = await Promise.all([register(h), register(h), register(h), register(h)]);
  const conv = await groupOf(h, ann, [ben, cat]);
  const annPhone = await socketFor(h, ann.accessToken);
  const annLaptop = await socketFor(h, ann.accessToken);
  const sb = await socketFor(h, ben.accessToken);
  const sc = await socketFor(h, cat.accessToken);
  const se = await socketFor(h, eve.accessToken);
  const [rAnnLaptop, rb, rc, re] = [recorder(annLaptop), recorder(sb), recorder(sc), recorder(se)];

  for (let i = 0; i < 5; i++) {
    assert.deepEqual(await emitAck(annPhone, "typing", { conversationId: conv, typing: true }), { ok: true });
  }
  assert.deepEqual(await emitAck(annPhone, "typing", { conversationId: conv, typing: false }), { ok: true });
  await rb.waitFor<TypingEvent>("typing", (t) => !t.typing);
  await rc.waitFor<TypingEvent>("typing", (t) => !t.typing);
  assert.deepEqual(
    rb.of<TypingEvent>("typing").map((t) => t.typing),
    [true, false],
    "five 'typing' in a row relay once",
  );
  assert.deepEqual(rb.of<TypingEvent>("typing")[0], { conversationId: conv, userId: ann.user.id, typing: true });

  // Sentinel message: events are ordered per socket, so anything Ann's laptop or Eve would get arrived before it.
  const m = await send(sb, conv, "sentinel");
  await rAnnLaptop.waitFor<Message>("message:new", (x) => x.id === m.id);
  assert.equal(rAnnLaptop.of("typing").length, 0, "none of my own devices hear my typing");
  const dm = await directWith(h, ben, eve);
  const ping = await send(sb, dm, "ping");
  await re.waitFor<Message>("message:new", (x) => x.id === ping.id);
  assert.equal(re.of("typing").length, 0, "a non-member hears no typing");
});

test("presence goes to people who share a conversation, online while any socket is connected", async () => {
  const [ann, ben, eve] = await Promise.all([register(h), register(h), register(h)]);
  const conv = await directWith(h, ann, ben);
  const sb = await socketFor(h, ben.accessToken);
  const se = await socketFor(h, eve.accessToken);
  const [rb, re] = [recorder(sb), recorder(se)];

  const phone = await socketFor(h, ann.accessToken);
  await rb.waitFor<PresenceEvent>("presence", (p) => p.userId === ann.user.id && p.online);
  const laptop = await socketFor(h, ann.accessToken);
  const members = (await api<{ conversation: Conversation }>(h, ben, "GET", `/api/conversations/${conv}`)).body
    .conversation.members;
  assert.equal(members.find((m) => m.user.id === ann.user.id)?.user.online, true);

  phone.disconnect();
  // Still online through the laptop: the next presence Ben gets must be the offline one after the laptop leaves.
  laptop.disconnect();
  const offline = await rb.waitFor<PresenceEvent>("presence", (p) => p.userId === ann.user.id && !p.online);
  assert.ok(offline.lastSeenAt, "lastSeenAt is set when the last socket goes");
  assert.deepEqual(
    rb
      .of<PresenceEvent>("presence")
      .filter((p) => p.userId === ann.user.id)
      .map((p) => p.online),
    [true, false],
  );
  const me = await api<{ user: { lastSeenAt: string | null; online: boolean } }>(h, ann, "GET", "/api/me");
  assert.equal(me.body.user.lastSeenAt, offline.lastSeenAt, "lastSeenAt is persisted");

  // Eve shares nothing with Ann: sentinel DM from Ben, then check.
  const dm = await directWith(h, ben, eve);
  const ping = await send(sb, dm, "ping");
  await re.waitFor<Message>("message:new", (x) => x.id === ping.id);
  assert.equal(re.of<PresenceEvent>("presence").filter((p) => p.userId === ann.user.id).length, 0);
});

test("a bad or expired token is refused with connect_error 'unauthorized'", async () => {
  const alice = await register(h);
  const expired = await signAccessToken(
    h.config.JWT_SECRET,
    { userId: alice.user.id, username: alice.user.username },
    -10,
  );
  const forged = await signAccessToken("another-secret", { userId: alice.user.id, username: alice.user.username });
  for (const auth of [{ token: expired }, { token: forged }, { token: "garbage" }, {}, { token: 42 }]) {
    const s = connect(h.url, { auth, transports: ["websocket"], reconnection: false, forceNew: true });
    const err = await new Promise<Error>((resolve, reject) => {
      s.once("connect_error", resolve);
      s.once("connect", () => reject(new Error(`connected with ${JSON.stringify(auth)}`)));
    });
    assert.equal(err.message, "unauthorized");
    s.close();
  }
  const r = await h.app.inject({ method: "GET", url: "/api/me", headers: { authorization: `Bearer ${expired}` } });
  assert.equal(r.statusCode, 401);
  assert.equal(r.json().error.code, "unauthorized");
});
