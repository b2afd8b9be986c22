// Who hears a receipt: the reader's other devices and the senders of the messages it reached, never
// every member of a big group; and bursts of moves are coalesced without losing the last one.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Ack, Conversation, ReceiptEvent } from "@messenger/protocol";
import {
  addSqlMembers,
  api,
  directWith,
  emitAck,
  groupOf,
  type Harness,
  type Recorder,
  recorder,
  register,
  send,
  sentinel,
  socketFor,
  startHarness,
  type TestUser,
} from "./helpers.js";

let h: Harness;
before(async () => {
  // The burst below is faster than any budget a real client gets.
  h = await startHarness({ SEND_RATE_PER_SECOND: "1000", SOCKET_EVENTS_PER_SECOND: "1000" });
});
after(async () => {
  await h.close();
});

const conversation = async (user: TestUser, conv: string) =>
  (await api<{ conversation: Conversation }>(h, user, "GET", `/api/conversations/${conv}`)).body.conversation;

const receiptsFrom = (r: Recorder, userId: string) => r.of<ReceiptEvent>("receipt").filter((e) => e.userId === userId);

/** Alice, and Bob on two devices, in a DM. */
async function dmWithPhoneAndLaptop() {
  const [alice, bob] = await Promise.all([register(h), register(h)]);
  const conv = await directWith(h, alice, bob);
  const sa = await socketFor(h, alice.accessToken);
  const phone = await socketFor(h, bob.accessToken);
  const laptop = await socketFor(h, bob.accessToken);
  return { alice, bob, conv, sa, phone, laptop };
}

test("in a DM the sender and the reader's other devices see delivered and read, the reading device only its ack", async () => {
  const { alice, bob, conv, sa, phone, laptop } = await dmWithPhoneAndLaptop();
  const [ra, rphone, rlaptop] = [recorder(sa), recorder(phone), recorder(laptop)];

  const m = await send(sa, conv, "hi");
  assert.deepEqual(await emitAck(phone, "conversation:delivered", { conversationId: conv, seq: m.seq }), { ok: true });
  await ra.waitFor<ReceiptEvent>("receipt", (r) => r.userId === bob.user.id && r.kind === "delivered" && r.seq === 1);
  await rlaptop.waitFor<ReceiptEvent>("receipt", (r) => r.kind === "delivered" && r.seq === 1);
  assert.deepEqual(await emitAck(phone, "conversation:read", { conversationId: conv, seq: m.seq }), { ok: true });
  await ra.waitFor<ReceiptEvent>("receipt", (r) => r.userId === bob.user.id && r.kind === "read" && r.seq === 1);
  await rlaptop.waitFor<ReceiptEvent>("receipt", (r) => r.kind === "read" && r.seq === 1);

  await sentinel(sa, conv, [rphone]);
  assert.equal(rphone.of("receipt").length, 0, "the device that read gets an ack, not an echo");
  const bobSeen = (await conversation(alice, conv)).members.find((x) => x.user.id === bob.user.id)!;
  assert.deepEqual([bobSeen.lastDeliveredSeq, bobSeen.lastReadSeq], [1, 1]);
});

test("in a group of 5 a read reaches the senders of the messages it covers and the reader's devices, nobody else", async () => {
  const [ann, ben, cat, dan, eve] = await Promise.all([
    register(h),
    register(h),
    register(h),
    register(h),
    register(h),
  ]);
  const conv = await groupOf(h, ann, [ben, cat, dan, eve]);
  const [sa, sb, catPhone, catLaptop, sd, se] = await Promise.all([
    socketFor(h, ann.accessToken),
    socketFor(h, ben.accessToken),
    socketFor(h, cat.accessToken),
    socketFor(h, cat.accessToken),
    socketFor(h, dan.accessToken),
    socketFor(h, eve.accessToken),
  ]);
  const [ra, rb, rCatLaptop, rd, re] = [recorder(sa), recorder(sb), recorder(catLaptop), recorder(sd), recorder(se)];

  const fromAnn = await send(sa, conv, "from ann");
  const fromBen = await send(sb, conv, "from ben");
  assert.deepEqual(await emitAck(catPhone, "conversation:read", { conversationId: conv, seq: fromBen.seq }), {
    ok: true,
  });
  for (const r of [ra, rb, rCatLaptop])
    await r.waitFor<ReceiptEvent>("receipt", (x) => x.userId === cat.user.id && x.kind === "read" && x.seq === 2);

  // Eve reads only Ann's message: Ann hears it, Ben (whose message she has not read) does not.
  assert.deepEqual(await emitAck(se, "conversation:read", { conversationId: conv, seq: fromAnn.seq }), { ok: true });
  await ra.waitFor<ReceiptEvent>("receipt", (x) => x.userId === eve.user.id && x.kind === "read" && x.seq === 1);

  await sentinel(sa, conv, [rb, rd, re]);
  assert.equal(receiptsFrom(rb, eve.user.id).length, 0, "Eve's read does not reach Ben's messages");
  assert.equal(rd.of("receipt").length, 0, "Dan sent nothing and read nothing: no receipts");
  assert.equal(receiptsFrom(re, cat.user.id).length, 0, "Eve sent nothing: Cat's read is not hers to see");

  // What a sender's client builds its ticks from is still exact after a reload.
  const members = (await conversation(ann, conv)).members;
  assert.equal(members.find((x) => x.user.id === cat.user.id)?.lastReadSeq, 2);
  assert.equal(members.find((x) => x.user.id === eve.user.id)?.lastReadSeq, 1);
});

test("in a 300-member group a member hears no receipts for other people's messages", async () => {
  const [ann, ben] = await Promise.all([register(h), register(h)]);
  const conv = await groupOf(h, ann, [ben], "All staff");
  const extra = await addSqlMembers(h, conv, 298);
  const big = await conversation(ann, conv);
  assert.deepEqual(
    [big.memberCount, big.large, big.members.length],
    [300, true, 1],
    "a big group's members come in pages",
  );

  const readers = extra.slice(0, 3);
  const readerSockets = await Promise.all(readers.map((u) => socketFor(h, u.accessToken)));
  const [sa, sb] = await Promise.all([socketFor(h, ann.accessToken), socketFor(h, ben.accessToken)]);
  const [ra, rb] = [recorder(sa), recorder(sb)];
  const rReaders = readerSockets.map(recorder);

  const m = await send(sb, conv, "all hands at 3");
  await Promise.all(
    readerSockets.map(async (s) => {
      assert.deepEqual(await emitAck(s, "conversation:delivered", { conversationId: conv, seq: m.seq }), { ok: true });
      assert.deepEqual(await emitAck(s, "conversation:read", { conversationId: conv, seq: m.seq }), { ok: true });
    }),
  );
  for (const u of readers)
    await rb.waitFor<ReceiptEvent>("receipt", (x) => x.userId === u.id && x.kind === "read" && x.seq === m.seq);

  await sentinel(sb, conv, [ra, ...rReaders]);
  assert.equal(ra.of("receipt").length, 0, "Ann sent nothing: she hears none of the reads");
  for (const r of rReaders) assert.equal(r.of("receipt").length, 0, "readers do not hear each other");
});

test("a burst of 100 moves ends at the last position, for the sender, the other device and after a restart", async () => {
  const { bob, conv, sa, phone, laptop } = await dmWithPhoneAndLaptop();
  const [ra, rlaptop] = [recorder(sa), recorder(laptop)];
  for (let i = 1; i <= 100; i++) await send(sa, conv, `m${i}`);
  assert.equal((await conversation(bob, conv)).unreadCount, 100);

  // As a client scrolling through a backlog does: delivered for every message, read for the first half.
  const acks: Promise<Ack<object>>[] = [];
  for (let seq = 1; seq <= 100; seq++) {
    acks.push(emitAck(phone, "conversation:delivered", { conversationId: conv, seq }));
    if (seq <= 50) acks.push(emitAck(phone, "conversation:read", { conversationId: conv, seq }));
  }
  for (const ack of await Promise.all(acks)) assert.deepEqual(ack, { ok: true });

  for (const r of [ra, rlaptop]) {
    await r.waitFor<ReceiptEvent>("receipt", (x) => x.kind === "delivered" && x.seq === 100);
    await r.waitFor<ReceiptEvent>("receipt", (x) => x.kind === "read" && x.seq === 50);
    for (const kind of ["delivered", "read"]) {
      const seqs = receiptsFrom(r, bob.user.id)
        .filter((x) => x.kind === kind)
        .map((x) => x.seq);
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => a - b),
        `${kind} receipts only move forward`,
      );
    }
  }
  assert.equal((await conversation(bob, conv)).unreadCount, 50, "unread is the same on every device");

  // Acked means stored: nothing of the burst lived only in memory.
  await h.restart();
  const after = await conversation(bob, conv);
  const me = after.members.find((x) => x.user.id === bob.user.id)!;
  assert.deepEqual([me.lastDeliveredSeq, me.lastReadSeq, after.unreadCount], [100, 50, 50]);
});

test("a sender who has left the group hears nothing of reads of their old messages", async () => {
  const [ann, ben, cat] = await Promise.all([register(h), register(h), register(h)]);
  const conv = await groupOf(h, ann, [ben, cat]);
  const dm = await directWith(h, ann, ben);
  const [sa, sb, sc] = await Promise.all([
    socketFor(h, ann.accessToken),
    socketFor(h, ben.accessToken),
    socketFor(h, cat.accessToken),
  ]);
  const rb = recorder(sb);
  const m = await send(sb, conv, "my last word here");
  assert.equal((await api(h, ann, "DELETE", `/api/conversations/${conv}/members/${ben.user.id}`)).status < 300, true);

  assert.deepEqual(await emitAck(sc, "conversation:read", { conversationId: conv, seq: m.seq }), { ok: true });
  await sentinel(sa, dm, [rb]);
  assert.equal(rb.of("receipt").length, 0, "nothing of the group reaches someone no longer in it");
});

test("a receipt for a conversation I am not in is refused as not found and costs the members' receipts nothing", async () => {
  const { alice, bob, conv, sa, phone } = await dmWithPhoneAndLaptop();
  const eve = await register(h);
  const se = await socketFor(h, eve.accessToken);
  const ra = recorder(sa);
  const m = await send(sa, conv, "just us");

  const [mine, hers] = await Promise.all([
    emitAck(phone, "conversation:read", { conversationId: conv, seq: m.seq }),
    emitAck(se, "conversation:read", { conversationId: conv, seq: m.seq }),
  ]);
  assert.deepEqual(mine, { ok: true });
  assert.equal(hers.ok ? null : hers.error.code, "not_found");
  await ra.waitFor<ReceiptEvent>("receipt", (x) => x.userId === bob.user.id && x.kind === "read" && x.seq === m.seq);
  await sentinel(phone, conv, [ra]);
  assert.equal(receiptsFrom(ra, eve.user.id).length, 0, "nothing of Eve's reaches Alice");
  assert.equal((await conversation(alice, conv)).members.length, 2, "Eve did not become a member");
});
