// Channels: public groups to browse and join, private ones hidden, an admin's changes with their
// timeline notices, and archive as read-only.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import type { ChannelsResponse, Conversation, Message, MessagesResponse } from "@messenger/protocol";
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
  h = await startHarness();
});
after(async () => {
  await h.close();
});

async function channel(admin: TestUser, title: string, opts: { visibility?: string; topic?: string } = {}) {
  const r = await api<{ conversation: Conversation }>(h, admin, "POST", "/api/conversations", {
    kind: "group",
    title,
    memberIds: [],
    ...opts,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.conversation;
}

const isNotice = (event: string) => (m: Message) => m.kind === "system" && m.system?.event === event;

test("browse lists public groups by title and topic, never private ones, and says which I joined", async () => {
  const [dana, lee] = await Promise.all([register(h), register(h)]);
  const tag = randomUUID().slice(0, 8);
  const pub = await channel(dana, `Ops ${tag}`, { visibility: "public", topic: "pager rota" });
  const other = await channel(dana, `Design ${tag}`, { visibility: "public" });
  const secret = await channel(dana, `Ops secret ${tag}`);
  assert.equal(pub.visibility, "public");
  assert.equal(pub.topic, "pager rota");
  assert.equal(secret.visibility, "private");

  const byTitle = await api<ChannelsResponse>(h, lee, "GET", `/api/channels?q=${tag}`);
  assert.equal(byTitle.status, 200);
  assert.deepEqual(
    byTitle.body.channels.map((c) => c.id),
    [other.id, pub.id],
    "public ones in title order, the private one not at all",
  );
  assert.deepEqual(byTitle.body.channels[1], {
    id: pub.id,
    title: `Ops ${tag}`,
    topic: "pager rota",
    memberCount: 1,
    joined: false,
  });
  // Even its own admin does not find the private group here.
  const mine = await api<ChannelsResponse>(h, dana, "GET", `/api/channels?q=${tag}`);
  assert.deepEqual(
    mine.body.channels.map((c) => [c.id, c.joined]),
    [
      [other.id, true],
      [pub.id, true],
    ],
  );
  const byTopic = await api<ChannelsResponse>(h, lee, "GET", "/api/channels?q=PAGER%20rota");
  assert.ok(byTopic.body.channels.some((c) => c.id === pub.id));
  // LIKE's wildcards are just characters.
  const wild = await api<ChannelsResponse>(h, lee, "GET", `/api/channels?q=${encodeURIComponent(`%${tag}`)}`);
  assert.deepEqual(wild.body.channels, []);
});

test("browse pages with a cursor, without repeats, and refuses a forged one", async () => {
  const dana = await register(h);
  const tag = randomUUID().slice(0, 8);
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push((await channel(dana, `Page ${tag} ${i}`, { visibility: "public" })).id);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/api/channels?q=${tag}&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
    const page: { status: number; body: ChannelsResponse } = await api<ChannelsResponse>(h, dana, "GET", url);
    assert.equal(page.status, 200);
    seen.push(...page.body.channels.map((c) => c.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  assert.deepEqual(seen, ids);
  assert.equal((await api(h, dana, "GET", "/api/channels?cursor=nonsense")).status, 400);
});

test("joining a public group gives its history; members, and the joiner's other device, see it live", async () => {
  const [dana, lee] = await Promise.all([register(h), register(h)]);
  const pub = await channel(dana, "Lobby", { visibility: "public" });
  const sd = await socketFor(h, dana.accessToken);
  const before = await send(sd, pub.id, "welcome, whoever comes");
  const rd = recorder(sd);
  const leeOther = recorder(await socketFor(h, lee.accessToken));

  const joined = await api<{ conversation: Conversation }>(h, lee, "POST", `/api/conversations/${pub.id}/join`);
  assert.equal(joined.status, 200);
  assert.equal(joined.body.conversation.memberCount, 2);
  assert.equal(joined.body.conversation.unreadCount, 0, "a notice is never unread");

  const notice = await rd.waitFor<Message>("message:new", isNotice("joined"));
  assert.deepEqual(notice.system, { event: "joined", actorId: lee.user.id, userIds: [lee.user.id] });
  assert.equal(notice.senderId, lee.user.id);
  assert.equal(notice.seq, before.seq + 1, "a notice takes the next seq");
  await leeOther.waitFor<Conversation>("conversation:updated", (c) => c.id === pub.id);
  await leeOther.waitFor<Message>("message:new", isNotice("joined"));

  const history = await api<MessagesResponse>(h, lee, "GET", `/api/conversations/${pub.id}/messages`);
  assert.deepEqual(
    history.body.messages.map((m) => m.id),
    [before.id, notice.id],
  );
  // Joining again is harmless and adds no notice.
  assert.equal((await api(h, lee, "POST", `/api/conversations/${pub.id}/join`)).status, 200);
  const again = await api<MessagesResponse>(h, lee, "GET", `/api/conversations/${pub.id}/messages`);
  assert.equal(again.body.messages.length, 2);
});

test("a private group cannot be joined (404, as if it did not exist)", async () => {
  const [dana, eve] = await Promise.all([register(h), register(h)]);
  const secret = await channel(dana, "Board");
  const r = await api<{ error: { code: string } }>(h, eve, "POST", `/api/conversations/${secret.id}/join`);
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, "not_found");
  assert.equal((await api(h, eve, "POST", `/api/conversations/${randomUUID()}/join`)).status, 404);
  assert.equal((await api(h, eve, "GET", `/api/conversations/${secret.id}`)).status, 404);
});

test("leaving, adding and removing leave notices every member sees live; they are not unread", async () => {
  const [dana, lee, bob] = await Promise.all([register(h), register(h), register(h)]);
  const conv = await groupOf(h, dana, [lee]);
  const rl = recorder(await socketFor(h, lee.accessToken));
  const rd = recorder(await socketFor(h, dana.accessToken));

  assert.equal(
    (await api(h, dana, "POST", `/api/conversations/${conv}/members`, { userIds: [bob.user.id] })).status,
    200,
  );
  const added = await rl.waitFor<Message>("message:new", isNotice("added"));
  assert.deepEqual(added.system, { event: "added", actorId: dana.user.id, userIds: [bob.user.id] });

  assert.equal((await api(h, dana, "DELETE", `/api/conversations/${conv}/members/${bob.user.id}`)).status, 204);
  const removed = await rl.waitFor<Message>("message:new", isNotice("removed"));
  assert.deepEqual(removed.system?.userIds, [bob.user.id]);

  assert.equal((await api(h, lee, "DELETE", `/api/conversations/${conv}/members/${lee.user.id}`)).status, 204);
  const left = await rd.waitFor<Message>("message:new", isNotice("left"));
  assert.deepEqual(left.system, { event: "left", actorId: lee.user.id, userIds: [lee.user.id] });

  const list = await api<{ conversations: Conversation[] }>(h, dana, "GET", "/api/conversations");
  const mine = list.body.conversations.find((c) => c.id === conv)!;
  assert.equal(mine.lastSeq, 3, "three notices, three seqs");
  assert.equal(mine.unreadCount, 0);
});

test("unread counts the messages after my read position but none of the notices among them", async () => {
  const [dana, lee, bob, kim] = await Promise.all([register(h), register(h), register(h), register(h)]);
  const conv = await groupOf(h, dana, [lee]);
  const sd = await socketFor(h, dana.accessToken);
  await send(sd, conv, "one");
  assert.equal(
    (await api(h, dana, "POST", `/api/conversations/${conv}/members`, { userIds: [bob.user.id] })).status,
    200,
  );
  await send(sd, conv, "two");
  assert.equal(
    (await api(h, dana, "POST", `/api/conversations/${conv}/members`, { userIds: [kim.user.id] })).status,
    200,
  );
  const unreadOf = async (u: TestUser) =>
    (await api<{ conversation: Conversation }>(h, u, "GET", `/api/conversations/${conv}`)).body.conversation
      .unreadCount;
  assert.equal(await unreadOf(lee), 2, "two messages, two notices in between");
  assert.equal(await unreadOf(bob), 1, "bob joined after one: only two is unread");
  assert.equal(await unreadOf(kim), 0);
  // Lee reads up to "two" (seq 3): the notice after it is still not unread.
  const sl = await socketFor(h, lee.accessToken);
  assert.deepEqual(await emitAck(sl, "conversation:read", { conversationId: conv, seq: 3 }), { ok: true });
  assert.equal(await unreadOf(lee), 0);
});

test("an admin renames, sets the topic and archives; a member gets 403, a non-member 404", async () => {
  const [dana, lee, eve] = await Promise.all([register(h), register(h), register(h)]);
  const conv = await groupOf(h, dana, [lee]);
  const rl = recorder(await socketFor(h, lee.accessToken));

  const member = await api<{ error: { code: string } }>(h, lee, "PATCH", `/api/conversations/${conv}`, { title: "x" });
  assert.equal(member.status, 403);
  assert.equal((await api(h, eve, "PATCH", `/api/conversations/${conv}`, { title: "x" })).status, 404);
  assert.equal((await api(h, dana, "PATCH", `/api/conversations/${conv}`, {})).status, 400);
  assert.equal((await api(h, dana, "PATCH", `/api/conversations/${conv}`, { topic: "t".repeat(251) })).status, 400);

  const renamed = await api<{ conversation: Conversation }>(h, dana, "PATCH", `/api/conversations/${conv}`, {
    title: "Night shift",
    topic: "who is on call",
    visibility: "public",
  });
  assert.equal(renamed.status, 200);
  assert.equal(renamed.body.conversation.title, "Night shift");
  assert.equal(renamed.body.conversation.topic, "who is on call");
  assert.equal(renamed.body.conversation.visibility, "public");
  const live = await rl.waitFor<Conversation>("conversation:updated", (c) => c.id === conv && c.topic !== null);
  assert.equal(live.title, "Night shift");
  const renameNotice = await rl.waitFor<Message>("message:new", isNotice("renamed"));
  assert.equal(renameNotice.system?.text, "Night shift");
  assert.equal((await rl.waitFor<Message>("message:new", isNotice("topic"))).system?.text, "who is on call");

  // Clearing the topic.
  const cleared = await api<{ conversation: Conversation }>(h, dana, "PATCH", `/api/conversations/${conv}`, {
    topic: "",
  });
  assert.equal(cleared.body.conversation.topic, null);
});

test("an archived group is read-only: sends, edits, reactions and joins get `archived`; unarchive restores", async () => {
  const [dana, lee, kim] = await Promise.all([register(h), register(h), register(h)]);
  const pub = await channel(dana, "Old project", { visibility: "public" });
  assert.equal((await api(h, lee, "POST", `/api/conversations/${pub.id}/join`)).status, 200);
  const sd = await socketFor(h, dana.accessToken);
  const sl = await socketFor(h, lee.accessToken);
  const rl = recorder(sl);
  const m = await send(sd, pub.id, "last words");

  const archived = await api<{ conversation: Conversation }>(h, dana, "PATCH", `/api/conversations/${pub.id}`, {
    archived: true,
  });
  assert.equal(archived.status, 200);
  assert.equal(archived.body.conversation.archived, true);
  await rl.waitFor<Message>("message:new", isNotice("archived"));

  const code = (a: { ok: boolean; error?: { code: string } }) => (a.ok ? "ok" : a.error?.code);
  const sendAck = await emitAck(sl, "message:send", { conversationId: pub.id, clientId: randomUUID(), body: "hi" });
  assert.equal(code(sendAck as never), "archived");
  assert.equal(code((await emitAck(sd, "message:edit", { messageId: m.id, body: "edited" })) as never), "archived");
  assert.equal(code((await emitAck(sd, "message:delete", { messageId: m.id })) as never), "archived");
  assert.equal(
    code((await emitAck(sl, "message:react", { messageId: m.id, emoji: "👍", on: true })) as never),
    "archived",
  );
  const join = await api<{ error: { code: string } }>(h, kim, "POST", `/api/conversations/${pub.id}/join`);
  assert.equal(join.status, 409);
  assert.equal(join.body.error.code, "archived");
  const add = await api<{ error: { code: string } }>(h, dana, "POST", `/api/conversations/${pub.id}/members`, {
    userIds: [kim.user.id],
  });
  assert.equal(add.body.error.code, "archived");
  const rename = await api<{ error: { code: string } }>(h, dana, "PATCH", `/api/conversations/${pub.id}`, {
    title: "New name",
  });
  assert.equal(rename.body.error.code, "archived");
  // An archived group is not offered for joining.
  const browse = await api<ChannelsResponse>(h, kim, "GET", "/api/channels?q=Old%20project");
  assert.ok(!browse.body.channels.some((c) => c.id === pub.id));
  // Its members still read it.
  const page = await api<MessagesResponse>(h, lee, "GET", `/api/conversations/${pub.id}/messages`);
  assert.ok(page.body.messages.some((x) => x.id === m.id));

  const back = await api<{ conversation: Conversation }>(h, dana, "PATCH", `/api/conversations/${pub.id}`, {
    archived: false,
  });
  assert.equal(back.body.conversation.archived, false);
  await rl.waitFor<Message>("message:new", isNotice("unarchived"));
  const again = await send(sl, pub.id, "we are back");
  assert.equal(again.body, "we are back");
});

test("messages of a member who left keep their author: a page names them", async () => {
  const [dana, lee] = await Promise.all([register(h, `lee.${randomUUID().slice(0, 6)}`), register(h)]);
  const conv = await groupOf(h, lee, [dana]);
  const sd = await socketFor(h, dana.accessToken);
  const m = await send(sd, conv, "bye all");
  assert.equal((await api(h, dana, "DELETE", `/api/conversations/${conv}/members/${dana.user.id}`)).status, 204);
  const page = await api<MessagesResponse>(h, lee, "GET", `/api/conversations/${conv}/messages`);
  assert.ok(page.body.messages.some((x) => x.id === m.id));
  const author = page.body.users.find((u) => u.id === dana.user.id);
  assert.equal(author?.displayName, dana.user.displayName);
  const conversation = await api<{ conversation: Conversation }>(h, lee, "GET", `/api/conversations/${conv}`);
  assert.ok(!conversation.body.conversation.members.some((x) => x.user.id === dana.user.id), "no longer a member");
});

test("an empty DM shows only to the one who opened it until its first message", async () => {
  const [ana, ben] = await Promise.all([register(h), register(h)]);
  const rb = recorder(await socketFor(h, ben.accessToken));
  const sa = await socketFor(h, ana.accessToken);
  const opened = await api<{ conversation: Conversation }>(h, ana, "POST", "/api/conversations", {
    kind: "direct",
    userId: ben.user.id,
  });
  assert.equal(opened.status, 201);
  const dm = opened.body.conversation.id;
  const listOf = async (u: TestUser) =>
    (await api<{ conversations: Conversation[] }>(h, u, "GET", "/api/conversations")).body.conversations.map(
      (c) => c.id,
    );
  assert.ok((await listOf(ana)).includes(dm));
  assert.ok(!(await listOf(ben)).includes(dm), "not in Ben's list yet");

  const first = await send(sa, dm, "hello Ben");
  const arrived = await rb.waitFor<Message>("message:new", (m) => m.id === first.id);
  assert.equal(arrived.body, "hello Ben");
  assert.equal(rb.of<Conversation>("conversation:updated").filter((c) => c.id === dm).length, 0, "no early notice");
  assert.ok((await listOf(ben)).includes(dm));
});
