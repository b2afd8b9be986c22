// Threads against a real chat-service, PostgreSQL and socket.io clients: a reply takes a seq and names
// its root, the root's summary is live for every member, the thread pages, catch-up after a reconnect
// brings missed replies, followers see unread replies, and nobody outside the conversation sees any of it.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Message, ThreadResponse, ThreadsResponse } from "@messenger/protocol";
import {
  api,
  type Client,
  disconnected,
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

async function reply(s: Client, conversationId: string, threadRootId: string, body: string, extra: object = {}) {
  const ack = await emitAck<{ message: Message }>(s, "message:send", {
    conversationId,
    clientId: randomUUID(),
    body,
    threadRootId,
    ...extra,
  });
  if (!ack.ok) throw new Error(`reply failed: ${JSON.stringify(ack.error)}`);
  return ack.message;
}

describe("threads", () => {
  test("a reply takes the next seq and names its root; every member sees the root's count go up", async () => {
    const [ana, ben, cyd] = await Promise.all([register(h), register(h), register(h)]);
    const conv = await groupOf(h, ana, [ben, cyd]);
    const [a, b, c] = await Promise.all([ana, ben, cyd].map((u) => socketFor(h, u.accessToken)));
    const [ra, rb, rc] = [a, b, c].map((s) => recorder(s!));
    const root = await send(a!, conv, "Who books the venue?");
    assert.equal(root.threadRootId, null);
    assert.equal(root.thread, null, "no replies yet");

    const r1 = await reply(b!, conv, root.id, "I can");
    assert.equal(r1.seq, root.seq + 1, "a reply takes a seq like any message");
    assert.equal(r1.threadRootId, root.id);
    assert.equal(r1.alsoToConversation, false);
    await rc!.waitFor<Message>("message:new", (m) => m.id === r1.id);

    for (const r of [ra!, rb!, rc!]) {
      const updated = await r.waitFor<Message>("message:updated", (m) => m.id === root.id);
      assert.equal(updated.thread?.replyCount, 1, "every member, the replier too, hears the new count");
      assert.deepEqual(updated.thread?.participantIds, [ben.user.id]);
    }
    await reply(c!, conv, root.id, "Me too");
    const twice = await rb!.waitFor<Message>("message:updated", (m) => m.id === root.id && m.thread?.replyCount === 2);
    assert.deepEqual(twice.thread?.participantIds, [ben.user.id, cyd.user.id]);
    assert.ok(twice.thread?.lastReplyAt);

    // The conversation's history still has every seq (catch-up is unchanged); replies say where they belong.
    const page = await api<{ messages: Message[] }>(h, cyd, "GET", `/api/conversations/${conv}/messages`);
    assert.deepEqual(
      page.body.messages.map((m) => [m.seq, m.threadRootId ?? null]),
      [
        [root.seq, null],
        [root.seq + 1, root.id],
        [root.seq + 2, root.id],
      ],
    );
    assert.equal(page.body.messages[0]!.thread?.replyCount, 2, "the root in the history carries its summary");
  });

  test("a reply sent also to the conversation says so; replies to a reply, to another conversation's message or to nothing are refused", async () => {
    const [ana, ben] = await Promise.all([register(h), register(h)]);
    const conv = await groupOf(h, ana, [ben]);
    const other = await groupOf(h, ana, [], "Elsewhere");
    const a = await socketFor(h, ana.accessToken);
    const root = await send(a, conv, "Root");
    const elsewhere = await send(a, other, "Not here");
    const both = await reply(a, conv, root.id, "Decided: Friday", { alsoToConversation: true });
    assert.equal(both.alsoToConversation, true);

    for (const bad of [both.id, elsewhere.id, randomUUID()]) {
      const ack = await emitAck(a, "message:send", {
        conversationId: conv,
        clientId: randomUUID(),
        body: "x",
        threadRootId: bad,
      });
      assert.equal(ack.ok, false);
      if (!ack.ok) assert.equal(ack.error.code, "invalid_thread_root");
    }
    const last = await api<{ messages: Message[] }>(h, ana, "GET", `/api/conversations/${conv}/messages`);
    assert.equal(last.body.messages.at(-1)?.id, both.id, "nothing was written for the refused replies");

    // A non-member cannot reply into a conversation, whatever the root: 404, as for any send.
    const eve = await register(h);
    const e = await socketFor(h, eve.accessToken);
    const ack = await emitAck(e, "message:send", {
      conversationId: conv,
      clientId: randomUUID(),
      body: "x",
      threadRootId: root.id,
    });
    assert.equal(ack.ok, false);
    if (!ack.ok) assert.equal(ack.error.code, "not_found");
  });

  test("a thread pages by seq, before and after; a non-member gets 404", async () => {
    const [ana, ben, eve] = await Promise.all([register(h), register(h), register(h)]);
    const conv = await groupOf(h, ana, [ben]);
    const a = await socketFor(h, ana.accessToken);
    const root = await send(a, conv, "Thread of many");
    const replies: Message[] = [];
    for (let i = 0; i < 7; i++) {
      replies.push(await reply(a, conv, root.id, `reply ${i}`));
      await send(a, conv, `channel chatter ${i}`);
    }
    const url = `/api/conversations/${conv}/threads/${root.id}`;
    const latest = await api<ThreadResponse>(h, ben, "GET", `${url}?limit=3`);
    assert.equal(latest.status, 200);
    assert.equal(latest.body.root.id, root.id);
    assert.equal(latest.body.root.thread?.replyCount, 7);
    assert.deepEqual(
      latest.body.replies.map((m) => m.body),
      ["reply 4", "reply 5", "reply 6"],
      "the latest replies, oldest first, and never the conversation's other messages",
    );
    assert.equal(latest.body.hasMore, true);
    const older = await api<ThreadResponse>(h, ben, "GET", `${url}?limit=3&before=${latest.body.replies[0]!.seq}`);
    assert.deepEqual(
      older.body.replies.map((m) => m.body),
      ["reply 1", "reply 2", "reply 3"],
    );
    const newer = await api<ThreadResponse>(h, ben, "GET", `${url}?after=${replies[4]!.seq}`);
    assert.deepEqual(
      newer.body.replies.map((m) => m.body),
      ["reply 5", "reply 6"],
    );
    assert.equal(newer.body.hasMore, false);

    assert.equal((await api(h, eve, "GET", url)).status, 404, "a non-member learns nothing");
    const wrongConv = await groupOf(h, eve, []);
    assert.equal((await api(h, eve, "GET", `/api/conversations/${wrongConv}/threads/${root.id}`)).status, 404);
    assert.equal(
      (await api(h, ben, "GET", `/api/conversations/${conv}/threads/${replies[0]!.id}`)).status,
      404,
      "a reply is not a root",
    );
  });

  test("replies missed while disconnected come back with catch-up, and the thread page has them", async () => {
    const [ana, ben] = await Promise.all([register(h), register(h)]);
    const conv = await groupOf(h, ana, [ben]);
    const a = await socketFor(h, ana.accessToken);
    const root = await send(a, conv, "Plan for Monday");
    let b = await socketFor(h, ben.accessToken);
    const rb = recorder(b);
    const first = await reply(a, conv, root.id, "first");
    await rb.waitFor<Message>("message:new", (m) => m.id === first.id);
    const gone = disconnected(b);
    b.disconnect();
    await gone;

    const missed = [await reply(a, conv, root.id, "while away 1"), await reply(a, conv, root.id, "while away 2")];
    b = await socketFor(h, ben.accessToken);
    const caught = await api<{ messages: Message[] }>(
      h,
      ben,
      "GET",
      `/api/conversations/${conv}/messages?after=${first.seq}`,
    );
    assert.deepEqual(
      caught.body.messages.map((m) => m.id),
      missed.map((m) => m.id),
      "the conversation's catch-up carries the thread replies",
    );
    const thread = await api<ThreadResponse>(
      h,
      ben,
      "GET",
      `/api/conversations/${conv}/threads/${root.id}?after=${first.seq}`,
    );
    assert.deepEqual(
      thread.body.replies.map((m) => m.body),
      ["while away 1", "while away 2"],
    );
    assert.equal(thread.body.root.thread?.replyCount, 3);
  });

  test("the root's author and every replier follow the thread and see its unread replies; reading clears them", async () => {
    const [ana, ben, cyd, eve] = await Promise.all([register(h), register(h), register(h), register(h)]);
    const conv = await groupOf(h, ana, [ben, cyd]);
    const [a, b] = await Promise.all([socketFor(h, ana.accessToken), socketFor(h, ben.accessToken)]);
    const root = await send(a, conv, "Offsite ideas?");
    await reply(b, conv, root.id, "Lighthouse");
    await reply(b, conv, root.id, "Or the lake");

    const anaThreads = await api<ThreadsResponse>(h, ana, "GET", "/api/threads");
    assert.deepEqual(
      anaThreads.body.threads.map((t) => [t.root.id, t.unreadCount]),
      [[root.id, 2]],
      "the author follows and has two unread replies",
    );
    const benThreads = await api<ThreadsResponse>(h, ben, "GET", "/api/threads");
    assert.deepEqual(
      benThreads.body.threads.map((t) => [t.root.id, t.unreadCount]),
      [[root.id, 0]],
      "my own replies are read",
    );
    assert.deepEqual(
      (await api<ThreadsResponse>(h, cyd, "GET", "/api/threads")).body.threads,
      [],
      "a bystander does not follow",
    );

    const read = await api<{ thread: { unreadCount: number } }>(h, ana, "PUT", `/api/threads/${root.id}/read`);
    assert.equal(read.status, 200);
    assert.equal(read.body.thread.unreadCount, 0);
    await reply(b, conv, root.id, "Final answer: lake");
    const after = await api<ThreadsResponse>(h, ana, "GET", "/api/threads");
    assert.equal(after.body.threads[0]?.unreadCount, 1);

    // Following by hand, and leaving.
    assert.equal((await api(h, cyd, "PUT", `/api/threads/${root.id}/follow`)).status, 204);
    assert.deepEqual(
      (await api<ThreadsResponse>(h, cyd, "GET", "/api/threads")).body.threads.map((t) => t.unreadCount),
      [0],
      "following starts with nothing unread",
    );
    assert.equal((await api(h, cyd, "DELETE", `/api/threads/${root.id}/follow`)).status, 204);
    assert.deepEqual((await api<ThreadsResponse>(h, cyd, "GET", "/api/threads")).body.threads, []);

    assert.equal((await api(h, eve, "PUT", `/api/threads/${root.id}/read`)).status, 404);
    assert.equal((await api(h, eve, "PUT", `/api/threads/${root.id}/follow`)).status, 404);

    // Removed from the conversation: its threads are no longer listed.
    assert.equal((await api(h, ana, "DELETE", `/api/conversations/${conv}/members/${ben.user.id}`)).status, 204);
    assert.deepEqual((await api<ThreadsResponse>(h, ben, "GET", "/api/threads")).body.threads, []);
  });
});
