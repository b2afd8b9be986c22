import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import type { Message, MessagesResponse } from "@messenger/protocol";
import pg from "pg";
import { api, emitAck, groupOf, type Harness, recorder, register, send, socketFor, startHarness } from "./helpers.js";

let h: Harness;
before(async () => {
  // Generous send budget: this file measures ordering under load, not the rate limit.
  h = await startHarness({ SEND_RATE_PER_SECOND: "10000" });
});
after(async () => {
  await h.close();
});

/** Everything after `seq` by paging with ?after=, as a reconnecting client does. */
async function catchUp(user: Parameters<typeof api>[1], conv: string, after: number): Promise<Message[]> {
  const all: Message[] = [];
  let cursor = after;
  for (;;) {
    const r = await api<MessagesResponse>(
      h,
      user,
      "GET",
      `/api/conversations/${conv}/messages?after=${cursor}&limit=100`,
    );
    assert.equal(r.status, 200);
    all.push(...r.body.messages);
    if (!r.body.hasMore) return all;
    cursor = r.body.messages.at(-1)!.seq;
  }
}

test("concurrent senders while a reader is away: catch-up has every seq, no gap, no duplicate", async () => {
  const senders = await Promise.all(Array.from({ length: 5 }, () => register(h)));
  const reader = await register(h);
  const conv = await groupOf(h, senders[0]!, [...senders.slice(1), reader]);

  // The reader sees the first message, then drops off.
  const s0 = await socketFor(h, senders[0]!.accessToken);
  const rs = await socketFor(h, reader.accessToken);
  const rr = recorder(rs);
  const first = await send(s0, conv, "before the gap");
  await rr.waitFor<Message>("message:new", (m) => m.id === first.id);
  const lastSeen = rr.of<Message>("message:new").at(-1)!.seq;
  rs.disconnect();

  // 5 senders × 40 messages, all in flight at once, some retried with the same clientId.
  const sockets = await Promise.all(senders.map((u) => socketFor(h, u.accessToken)));
  const acked: Message[] = [];
  await Promise.all(
    sockets.map(async (s, i) => {
      const pending: Promise<void>[] = [];
      for (let n = 0; n < 40; n++) {
        const clientId = randomUUID();
        const attempt = () => send(s, conv, `s${i}-${n}`, clientId);
        pending.push(
          (async () => {
            const m = await attempt();
            acked.push(m);
            if (n % 10 === 0) assert.equal((await attempt()).id, m.id, "a retry returns the same message");
          })(),
        );
      }
      await Promise.all(pending);
    }),
  );
  assert.equal(acked.length, 200);

  const missed = await catchUp(reader, conv, lastSeen);
  const seqs = missed.map((m) => m.seq);
  assert.equal(seqs.length, 200, "every message sent while away");
  assert.deepEqual(
    seqs,
    Array.from({ length: 200 }, (_, i) => lastSeen + 1 + i),
    "ascending, gap-free, no duplicates",
  );
  assert.deepEqual(new Set(missed.map((m) => m.id)), new Set(acked.map((m) => m.id)));
});

test("restarting the service mid-conversation loses no acked message", async () => {
  const alice = await register(h);
  const bob = await register(h);
  const conv = await groupOf(h, alice, [bob]);
  const sa = await socketFor(h, alice.accessToken);
  const acked: Message[] = [];
  for (let i = 0; i < 10; i++) acked.push(await send(sa, conv, `before ${i}`));

  // Fire a burst and restart while it is in flight.
  const burst = Array.from({ length: 20 }, (_, i) => ({ clientId: randomUUID(), body: `burst ${i}` }));
  const ackedInBurst = new Map<string, Message>();
  for (const b of burst) {
    void emitAck<{ message: Message }>(sa, "message:send", { conversationId: conv, ...b }).then((ack) => {
      if (ack.ok) ackedInBurst.set(b.clientId, ack.message);
    });
  }
  const disconnected = new Promise<void>((resolve) => sa.once("disconnect", () => resolve()));
  await h.restart();
  await disconnected;
  const ackedBeforeRestart = [...ackedInBurst.values()];

  // The client reconnects and re-sends everything not acked, with the same clientIds.
  const sa2 = await socketFor(h, alice.accessToken);
  for (const b of burst) {
    const m = await send(sa2, conv, b.body, b.clientId);
    const earlier = ackedInBurst.get(b.clientId);
    if (earlier) assert.equal(m.id, earlier.id, "a re-send after restart returns the acked message");
    acked.push(m);
  }
  acked.push(...ackedBeforeRestart);
  acked.push(await send(sa2, conv, "after restart"));
  const all = await catchUp(bob, conv, 0);
  const ids = new Set(all.map((m) => m.id));
  for (const m of acked) assert.ok(ids.has(m.id), `acked message ${m.seq} survived`);
  assert.equal(all.length, 31, "10 before, 20 in the burst (each once), 1 after");
  assert.deepEqual(
    all.map((m) => m.seq),
    Array.from({ length: 31 }, (_, i) => i + 1),
  );
});

test("a socket gets every message sent from the moment it is connected (rooms are joined before connect)", async () => {
  const alice = await register(h);
  const bob = await register(h);
  const conv = await groupOf(h, alice, [bob]);
  const sa = await socketFor(h, alice.accessToken);
  for (let i = 0; i < 10; i++) {
    // Alice sends the instant Bob's new socket reports "connect".
    const sb = await socketFor(h, bob.accessToken);
    const rb = recorder(sb);
    const m = await send(sa, conv, `right after connect ${i}`);
    await rb.waitFor<Message>("message:new", (x) => x.id === m.id);
    sb.disconnect();
  }
});

test("messages one connection sends without waiting keep the order they were sent in", async () => {
  const alice = await register(h);
  const bob = await register(h);
  const conv = await groupOf(h, alice, [bob]);
  const other = await groupOf(h, bob, [alice]);
  const sa = await socketFor(h, alice.accessToken);
  const sb = await socketFor(h, bob.accessToken);
  const rb = recorder(sb);
  // Interleaved with traffic in another conversation, so sends share write batches.
  const mine = Array.from({ length: 60 }, (_, i) => send(sa, conv, `in order ${i}`));
  const theirs = Array.from({ length: 30 }, (_, i) => send(sb, other, `elsewhere ${i}`));
  const acked = await Promise.all(mine);
  await Promise.all(theirs);
  assert.deepEqual(
    acked.map((m) => m.seq),
    Array.from({ length: 60 }, (_, i) => i + 1),
    "seq follows the order of sending",
  );
  await rb.waitFor<Message>("message:new", (m) => m.id === acked.at(-1)!.id);
  assert.deepEqual(
    rb
      .of<Message>("message:new")
      .filter((m) => m.conversationId === conv)
      .map((m) => m.body),
    acked.map((m) => m.body),
    "the other member hears them in that order",
  );
});

test("a refused send in a burst costs the other sends in that burst nothing", async () => {
  const alice = await register(h);
  const bob = await register(h);
  const mallory = await register(h);
  const conv = await groupOf(h, alice, [bob]);
  const sa = await socketFor(h, alice.accessToken);
  const sb = await socketFor(h, bob.accessToken);
  const sm = await socketFor(h, mallory.accessToken);
  const sendAck = (s: typeof sa, extra: object) =>
    emitAck<{ message: Message }>(s, "message:send", { conversationId: conv, clientId: randomUUID(), ...extra });
  // All in flight at once: good sends mixed with a non-member's send and a send claiming an
  // attachment that does not exist.
  const [good1, intruder, badAttachment, good2, good3] = await Promise.all([
    sendAck(sa, { body: "one" }),
    sendAck(sm, { body: "let me in" }),
    sendAck(sa, { body: "with a ghost file", attachmentIds: [randomUUID()] }),
    sendAck(sb, { body: "two" }),
    sendAck(sa, { body: "three" }),
  ]);
  assert.equal(intruder.ok, false);
  if (!intruder.ok) assert.equal(intruder.error.code, "not_found");
  assert.equal(badAttachment.ok, false);
  if (!badAttachment.ok) assert.equal(badAttachment.error.code, "invalid_attachment");
  for (const a of [good1, good2, good3]) assert.equal(a.ok, true, JSON.stringify(a));
  const all = await catchUp(bob, conv, 0);
  assert.deepEqual(
    all.map((m) => m.body).sort(),
    ["one", "three", "two"],
    "every accepted send landed, nothing refused did",
  );
  assert.deepEqual(
    all.map((m) => m.seq),
    [1, 2, 3],
    "refused sends leave no gap",
  );
});

test("a send racing another instance's write of the same clientId answers with that message", async () => {
  const alice = await register(h);
  const bob = await register(h);
  const conv = await groupOf(h, alice, [bob]);
  const clientId = randomUUID();
  // Another instance, mid-write: it holds the conversation's row lock and has inserted this clientId.
  const other = new pg.Client({ connectionString: h.db.url });
  await other.connect();
  try {
    await other.query("BEGIN");
    const { last_seq } = (
      await other.query<{ last_seq: number }>(
        "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq",
        [conv],
      )
    ).rows[0]!;
    const theirs = (
      await other.query<{ id: string }>(
        `INSERT INTO messages (conversation_id, seq, sender_id, client_id, body)
         VALUES ($1, $2, $3, $4, 'hello') RETURNING id`,
        [conv, last_seq, alice.user.id, clientId],
      )
    ).rows[0]!.id;
    const racing = h.app.deps.messages.send(alice.user.id, { conversationId: conv, clientId, body: "hello" });
    // Commit only once our write is queued behind their lock (its snapshot predates their row).
    for (let waited = 0; ; waited++) {
      const r = await h.app.deps.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      if (r.rows[0]!.n > 0) break;
      assert.ok(waited < 5000, "our write never waited for their lock");
      await new Promise((resolve) => setImmediate(resolve));
    }
    await other.query("COMMIT");
    const result = await racing;
    assert.equal(result.message.id, theirs, "the retry answers with the message already written");
    assert.equal(result.created, false);
  } finally {
    await other.end();
  }
  const next = await h.app.deps.messages.send(bob.user.id, {
    conversationId: conv,
    clientId: randomUUID(),
    body: "next",
  });
  assert.equal(next.message.seq, 2, "no seq was lost to the race");
});
