import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Conversation, Message } from "@messenger/protocol";
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
  h = await startHarness();
});
after(async () => {
  await h.close();
});

describe("direct messages", () => {
  test("a DM works both ways: the sender gets an ack, the other side message:new", async () => {
    const alice = await register(h);
    const bob = await register(h);
    const convA = await directWith(h, alice, bob);
    const convB = await directWith(h, bob, alice);
    assert.equal(convA, convB, "get-or-create gives the same conversation from either side");

    const a = await socketFor(h, alice.accessToken);
    const b = await socketFor(h, bob.accessToken);
    const ra = recorder(a);
    const rb = recorder(b);

    const m1 = await send(a, convA, "hi bob");
    assert.equal(m1.seq, 1);
    assert.equal(m1.senderId, alice.user.id);
    const got1 = await rb.waitFor<Message>("message:new", (m) => m.id === m1.id);
    assert.equal(got1.body, "hi bob");

    const m2 = await send(b, convA, "hi alice");
    assert.equal(m2.seq, 2);
    await ra.waitFor<Message>("message:new", (m) => m.id === m2.id);
    // The sending socket has the ack, not a copy of its own message.
    assert.equal(
      ra.of<Message>("message:new").some((m) => m.id === m1.id),
      false,
    );

    const page = await api<{ messages: Message[]; hasMore: boolean }>(
      h,
      alice,
      "GET",
      `/api/conversations/${convA}/messages`,
    );
    assert.deepEqual(
      page.body.messages.map((m) => m.body),
      ["hi bob", "hi alice"],
    );
    assert.equal(page.body.hasMore, false);

    // Conversation lists, latest activity first, with the last message.
    const list = await api<{ conversations: Conversation[] }>(h, bob, "GET", "/api/conversations");
    assert.equal(list.body.conversations[0]?.id, convA);
    assert.equal(list.body.conversations[0]?.lastMessage?.id, m2.id);
  });

  test("a message committed but never broadcast reaches the other members when its sender re-sends it", async () => {
    const alice = await register(h);
    const bob = await register(h);
    const conv = await directWith(h, alice, bob);
    const b = await socketFor(h, bob.accessToken);
    const rb = recorder(b);
    const clientId = randomUUID();
    // What a failure between commit and broadcast leaves behind: the row, and nobody told.
    const [written] = await h.app.deps.stores.messages.insertBatch(
      [
        {
          conversationId: conv,
          senderId: alice.user.id,
          clientId,
          kind: "text",
          body: "lost answer",
          replyToId: null,
          call: null,
        },
      ],
      h.app.deps.db,
    );
    assert.ok(written?.created);
    const a = await socketFor(h, alice.accessToken);
    const again = await send(a, conv, "lost answer", clientId);
    assert.equal(again.id, written.row.id);
    const heard = await rb.waitFor<Message>("message:new", (m) => m.clientId === clientId);
    assert.equal(heard.id, written.row.id);
  });

  test("the same clientId sent twice is one message: every copy members hear is that one message", async () => {
    const alice = await register(h);
    const bob = await register(h);
    const conv = await directWith(h, alice, bob);
    const a = await socketFor(h, alice.accessToken);
    const b = await socketFor(h, bob.accessToken);
    const rb = recorder(b);
    const clientId = randomUUID();
    // Concurrently (a retry racing the original) and then once more later.
    const [x, y] = await Promise.all([send(a, conv, "once", clientId), send(a, conv, "once", clientId)]);
    const z = await send(a, conv, "once", clientId);
    assert.equal(x.id, y.id);
    assert.equal(x.id, z.id);
    const sentinel = await send(a, conv, "after");
    await rb.waitFor<Message>("message:new", (m) => m.id === sentinel.id);
    // A re-send is published again (the first answer may have been lost before its broadcast), always as
    // the same message: the client keeps one copy per id.
    const heard = rb.of<Message>("message:new").filter((m) => m.clientId === clientId);
    assert.ok(heard.length >= 1);
    assert.deepEqual([...new Set(heard.map((m) => `${m.id}:${m.seq}`))], [`${x.id}:${x.seq}`]);
    const page = await api<{ messages: Message[] }>(h, alice, "GET", `/api/conversations/${conv}/messages`);
    assert.deepEqual(
      page.body.messages.map((m) => m.seq),
      [1, 2],
    );
  });

  test("paging with before/after and limit", async () => {
    const alice = await register(h);
    const bob = await register(h);
    const conv = await directWith(h, alice, bob);
    const a = await socketFor(h, alice.accessToken);
    for (let i = 1; i <= 7; i++) await send(a, conv, `m${i}`);
    const latest = await api<{ messages: Message[]; hasMore: boolean }>(
      h,
      bob,
      "GET",
      `/api/conversations/${conv}/messages?limit=3`,
    );
    assert.deepEqual(
      latest.body.messages.map((m) => m.seq),
      [5, 6, 7],
    );
    assert.equal(latest.body.hasMore, true);
    const older = await api<{ messages: Message[]; hasMore: boolean }>(
      h,
      bob,
      "GET",
      `/api/conversations/${conv}/messages?before=5&limit=3`,
    );
    assert.deepEqual(
      older.body.messages.map((m) => m.seq),
      [2, 3, 4],
    );
    assert.equal(older.body.hasMore, true);
    const newer = await api<{ messages: Message[]; hasMore: boolean }>(
      h,
      bob,
      "GET",
      `/api/conversations/${conv}/messages?after=4&limit=100`,
    );
    assert.deepEqual(
      newer.body.messages.map((m) => m.seq),
      [5, 6, 7],
    );
    assert.equal(newer.body.hasMore, false);
    for (const bad of ["limit=0", "limit=101", "before=1&after=2", "after=-1", "limit=abc"]) {
      const r = await api(h, bob, "GET", `/api/conversations/${conv}/messages?${bad}`);
      assert.equal(r.status, 400, bad);
    }
  });
});

describe("groups", () => {
  test("a group of 3 hears each other; a non-member gets nothing and is refused everywhere", async () => {
    const [ann, ben, cat, eve] = await Promise.all([register(h), register(h), register(h), register(h)]);
    const created = await api<{ conversation: Conversation }>(h, ann, "POST", "/api/conversations", {
      kind: "group",
      title: "Ops",
      memberIds: [ben.user.id, cat.user.id],
    });
    assert.equal(created.status, 201);
    const conv = created.body.conversation;
    assert.equal(conv.members.find((m) => m.user.id === ann.user.id)?.role, "admin");
    assert.equal(conv.members.length, 3);

    const sa = await socketFor(h, ann.accessToken);
    const sb = await socketFor(h, ben.accessToken);
    const sc = await socketFor(h, cat.accessToken);
    const se = await socketFor(h, eve.accessToken);
    const [rb, rc, re] = [recorder(sb), recorder(sc), recorder(se)];

    const m = await send(sa, conv.id, "hello team");
    await rb.waitFor<Message>("message:new", (x) => x.id === m.id);
    await rc.waitFor<Message>("message:new", (x) => x.id === m.id);
    const edited = await emitAck<{ message: Message }>(sa, "message:edit", { messageId: m.id, body: "hello all" });
    assert.ok(edited.ok);
    await rc.waitFor<Message>("message:updated", (x) => x.id === m.id && x.body === "hello all");
    await emitAck(sb, "typing", { conversationId: conv.id, typing: true });
    await rc.waitFor("typing");

    // Eve is refused everywhere, exactly as if the conversation did not exist.
    const ghost = randomUUID();
    for (const id of [conv.id, ghost]) {
      assert.equal((await api(h, eve, "GET", `/api/conversations/${id}`)).status, 404);
      assert.equal((await api(h, eve, "GET", `/api/conversations/${id}/messages`)).status, 404);
      assert.equal((await api(h, eve, "GET", `/api/search?q=hello&conversationId=${id}`)).status, 404);
      assert.equal(
        (await api(h, eve, "POST", `/api/conversations/${id}/members`, { userIds: [eve.user.id] })).status,
        404,
      );
      assert.equal((await api(h, eve, "DELETE", `/api/conversations/${id}/members/${eve.user.id}`)).status, 404);
      const sendAck = await emitAck(se, "message:send", { conversationId: id, clientId: "x", body: "let me in" });
      assert.deepEqual(sendAck.ok ? null : sendAck.error.code, "not_found");
      const readAck = await emitAck(se, "conversation:read", { conversationId: id, seq: 1 });
      assert.equal(readAck.ok ? null : readAck.error.code, "not_found");
      const typingAck = await emitAck(se, "typing", { conversationId: id, typing: true });
      assert.equal(typingAck.ok ? null : typingAck.error.code, "not_found");
    }
    for (const [event, payload] of [
      ["message:edit", { messageId: m.id, body: "pwned" }],
      ["message:delete", { messageId: m.id }],
      ["message:react", { messageId: m.id, emoji: "👍", on: true }],
    ] as const) {
      const ack = await emitAck(se, event, payload);
      assert.equal(ack.ok ? null : ack.error.code, "not_found", event);
    }
    const search = await api<{ messages: Message[] }>(h, eve, "GET", "/api/search?q=hello");
    assert.equal(search.body.messages.length, 0);
    const list = await api<{ conversations: Conversation[] }>(h, eve, "GET", "/api/conversations");
    assert.equal(list.body.conversations.length, 0);

    // Sentinel: once Eve gets a DM sent after all of the above, anything else would have arrived before it.
    const dm = await directWith(h, ann, eve);
    const sentinel = await send(sa, dm, "ping");
    await re.waitFor<Message>("message:new", (x) => x.id === sentinel.id);
    const leaked = re.events.filter(
      (e) => JSON.stringify(e.payload).includes(conv.id) || JSON.stringify(e.payload).includes(m.id),
    );
    assert.deepEqual(leaked, []);
  });

  test("members added and removed join and leave the conversation's events", async () => {
    const [ann, ben, cat] = await Promise.all([register(h), register(h), register(h)]);
    const conv = await groupOf(h, ann, [ben]);
    const sa = await socketFor(h, ann.accessToken);
    const sc = await socketFor(h, cat.accessToken);
    const sb = await socketFor(h, ben.accessToken);
    const [rc, rb] = [recorder(sc), recorder(sb)];

    // Only an admin adds.
    assert.equal(
      (await api(h, ben, "POST", `/api/conversations/${conv}/members`, { userIds: [cat.user.id] })).status,
      403,
    );
    const added = await api<{ conversation: Conversation }>(h, ann, "POST", `/api/conversations/${conv}/members`, {
      userIds: [cat.user.id],
    });
    assert.equal(added.status, 200);
    await rc.waitFor<Conversation>("conversation:updated", (c) => c.id === conv);
    const m = await send(sa, conv, "welcome cat");
    await rc.waitFor<Message>("message:new", (x) => x.id === m.id);

    // Ben may not remove Cat; Ann may.
    assert.equal((await api(h, ben, "DELETE", `/api/conversations/${conv}/members/${cat.user.id}`)).status, 403);
    assert.equal((await api(h, ann, "DELETE", `/api/conversations/${conv}/members/${cat.user.id}`)).status, 204);
    await rc.waitFor("conversation:removed", (e: { conversationId: string }) => e.conversationId === conv);
    const after = await send(sa, conv, "cat is gone");
    await rb.waitFor<Message>("message:new", (x) => x.id === after.id);
    // Cat's sentinel: a DM after the group message.
    const dm = await directWith(h, ann, cat);
    const ping = await send(sa, dm, "ping");
    await rc.waitFor<Message>("message:new", (x) => x.id === ping.id);
    assert.equal(
      rc.of<Message>("message:new").some((x) => x.id === after.id),
      false,
    );
    assert.equal((await api(h, cat, "GET", `/api/conversations/${conv}/messages`)).status, 404);

    // Ben leaves by himself.
    assert.equal((await api(h, ben, "DELETE", `/api/conversations/${conv}/members/${ben.user.id}`)).status, 204);
    assert.equal((await api(h, ben, "GET", `/api/conversations/${conv}`)).status, 404);
  });

  test("edit and delete are the sender's; delete leaves a tombstone; reactions toggle", async () => {
    const [ann, ben] = await Promise.all([register(h), register(h)]);
    const conv = await groupOf(h, ann, [ben]);
    const sa = await socketFor(h, ann.accessToken);
    const sb = await socketFor(h, ben.accessToken);
    const ra = recorder(sa);
    const m = await send(sa, conv, "secret plan");
    const benEdit = await emitAck(sb, "message:edit", { messageId: m.id, body: "mine now" });
    assert.equal(benEdit.ok ? null : benEdit.error.code, "forbidden");
    const react = await emitAck<{ message: Message }>(sb, "message:react", { messageId: m.id, emoji: "👍", on: true });
    assert.ok(react.ok);
    assert.deepEqual(react.message.reactions, [{ emoji: "👍", userIds: [ben.user.id] }]);
    await ra.waitFor<Message>("message:updated", (x) => x.reactions.length === 1);
    const off = await emitAck<{ message: Message }>(sb, "message:react", { messageId: m.id, emoji: "👍", on: false });
    assert.ok(off.ok);
    assert.deepEqual(off.message.reactions, []);

    const del = await emitAck<{ message: Message }>(sa, "message:delete", { messageId: m.id });
    assert.ok(del.ok);
    assert.equal(del.message.body, "");
    assert.ok(del.message.deletedAt);
    const page = await api<{ messages: Message[] }>(h, ben, "GET", `/api/conversations/${conv}/messages`);
    assert.equal(page.body.messages.length, 1, "the tombstone keeps its seq");
    assert.equal(page.body.messages[0]?.body, "");
    const found = await api<{ messages: Message[] }>(h, ben, "GET", "/api/search?q=secret");
    assert.equal(found.body.messages.length, 0, "a deleted message is not searchable");
  });

  test("full-text search finds messages the caller can see", async () => {
    const [ann, ben, eve] = await Promise.all([register(h), register(h), register(h)]);
    const conv = await groupOf(h, ann, [ben]);
    const sa = await socketFor(h, ann.accessToken);
    await send(sa, conv, "The quarterly budget review is on Friday");
    await send(sa, conv, "lunch?");
    const r = await api<{ messages: Message[] }>(h, ben, "GET", `/api/search?q=budget%20review&conversationId=${conv}`);
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.messages.map((m) => m.body),
      ["The quarterly budget review is on Friday"],
    );
    const none = await api<{ messages: Message[] }>(h, eve, "GET", "/api/search?q=budget");
    assert.deepEqual(none.body.messages, []);
    assert.equal((await api(h, ben, "GET", "/api/search?q=")).status, 400);
  });
});
