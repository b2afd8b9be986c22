// @mentions: parsed by the server, counted per member until read, listed in the Mentions view.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { eventually } from "@messenger/common/testing";
import type { Conversation, MentionsResponse, Message } from "@messenger/protocol";
import { parseMentions } from "../src/domain/mentions.js";
import {
  api,
  emitAck,
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
  // A low threshold, so the big-conversation path (positions row) is covered too.
  h = await startHarness({ BIG_CONVERSATION_MEMBERS: "4" });
});
after(async () => {
  await h.close();
});

const unique = (name: string) => `${name}.${randomUUID().slice(0, 6)}`;
const conversationOf = async (u: TestUser, id: string) =>
  (await api<{ conversation: Conversation }>(h, u, "GET", `/api/conversations/${id}`)).body.conversation;

test("the body's @words: usernames, the channel words, not e-mail addresses", () => {
  assert.deepEqual(parseMentions("hi @Bob and @lee.k, mail ann@example.com"), {
    usernames: ["bob", "lee.k"],
    channel: false,
  });
  assert.equal(parseMentions("@here is the plan").channel, true);
  assert.equal(parseMentions("(@channel)").channel, true);
  assert.equal(parseMentions("@all.").channel, true);
  assert.deepEqual(parseMentions("see you."), { usernames: [], channel: false });
  assert.deepEqual(parseMentions("ends with @bob.").usernames, ["bob.", "bob"]);
});

test("@bob gives Bob a mention count and the message names him; reading clears it", async () => {
  const [dana, bob, lee, eve] = await Promise.all([
    register(h, unique("dana")),
    register(h, unique("bob")),
    register(h, unique("lee")),
    register(h, unique("eve")),
  ]);
  const conv = await groupOf(h, dana, [bob, lee]);
  const sd = await socketFor(h, dana.accessToken);
  const rb = recorder(await socketFor(h, bob.accessToken));
  // Eve is no member: naming her mentions nobody.
  const m = await send(sd, conv, `@${bob.user.username} can you look? cc @${eve.user.username}`);
  assert.deepEqual(m.mentions, { userIds: [bob.user.id], channel: false });
  const live = await rb.waitFor<Message>("message:new", (x) => x.id === m.id);
  assert.deepEqual(live.mentions.userIds, [bob.user.id]);
  await send(sd, conv, "and a plain one");

  assert.equal((await conversationOf(bob, conv)).mentionCount, 1);
  assert.equal((await conversationOf(bob, conv)).unreadCount, 2);
  assert.equal((await conversationOf(lee, conv)).mentionCount, 0);
  assert.equal((await conversationOf(dana, conv)).mentionCount, 0, "never my own message");

  // Reading up to the mention clears it; a later mention counts again.
  const sb = await socketFor(h, bob.accessToken);
  assert.deepEqual(await emitAck(sb, "conversation:read", { conversationId: conv, seq: m.seq }), { ok: true });
  assert.equal((await conversationOf(bob, conv)).mentionCount, 0);
  await send(sd, conv, `@${bob.user.username} ping`);
  assert.equal((await conversationOf(bob, conv)).mentionCount, 1);
});

test("@channel counts for every member but its sender, in a small and in a big group", async () => {
  for (const size of [3, 6]) {
    const people = await Promise.all(Array.from({ length: size }, () => register(h)));
    const [dana, ...others] = people as [TestUser, ...TestUser[]];
    const conv = await groupOf(h, dana, others);
    const sd = await socketFor(h, dana.accessToken);
    const m = await send(sd, conv, "@channel standup in 5");
    assert.deepEqual(m.mentions, { userIds: [], channel: true });
    await send(sd, conv, "@here really");
    for (const o of others) assert.equal((await conversationOf(o, conv)).mentionCount, 2, `size ${size}`);
    assert.equal((await conversationOf(dana, conv)).mentionCount, 0);
    // Reading the first leaves one (in a big group the read moves the positions row).
    const so = await socketFor(h, others[0]!.accessToken);
    assert.deepEqual(await emitAck(so, "conversation:read", { conversationId: conv, seq: m.seq }), { ok: true });
    await waitForCount(others[0]!, conv, 1);
  }
});

/** A big group's reads are written per receipt window, so the count follows a moment later. */
async function waitForCount(u: TestUser, conv: string, n: number) {
  await eventually(`mentionCount ${n}`, async () => (await conversationOf(u, conv)).mentionCount === n);
}

test("GET /api/mentions lists my mentions newest first, with their conversations and authors, paged", async () => {
  const [dana, bob, kim] = await Promise.all([register(h, unique("dana")), register(h, unique("bob")), register(h)]);
  const one = await groupOf(h, dana, [bob], "One");
  const two = await groupOf(h, kim, [bob], "Two");
  const sd = await socketFor(h, dana.accessToken);
  const sk = await socketFor(h, kim.accessToken);
  const a = await send(sd, one, `@${bob.user.username} first`);
  await send(sd, one, "not a mention");
  const b = await send(sk, two, "@all second");
  const c = await send(sd, one, `third, @${bob.user.username}`);

  const first = await api<MentionsResponse>(h, bob, "GET", "/api/mentions?limit=2");
  assert.equal(first.status, 200);
  assert.deepEqual(
    first.body.messages.map((m) => m.id),
    [c.id, b.id],
  );
  assert.deepEqual(first.body.conversations.map((x) => x.title).sort(), ["One", "Two"]);
  assert.deepEqual(first.body.users.map((u) => u.id).sort(), [dana.user.id, kim.user.id].sort());
  assert.ok(first.body.nextCursor);
  const rest = await api<MentionsResponse>(h, bob, "GET", `/api/mentions?limit=2&before=${first.body.nextCursor}`);
  assert.deepEqual(
    rest.body.messages.map((m) => m.id),
    [a.id],
  );
  assert.equal(rest.body.nextCursor, null);
  // Nobody else sees Bob's mentions; leaving a conversation takes its mentions out of the list.
  assert.deepEqual((await api<MentionsResponse>(h, kim, "GET", "/api/mentions")).body.messages, []);
  assert.equal((await api(h, bob, "DELETE", `/api/conversations/${two}/members/${bob.user.id}`)).status, 204);
  const after = await api<MentionsResponse>(h, bob, "GET", "/api/mentions");
  assert.deepEqual(
    after.body.messages.map((m) => m.id),
    [c.id, a.id],
  );
  assert.equal((await api(h, bob, "GET", "/api/mentions?before=garbage")).status, 400);
});
