// Big conversations (more than BIG_CONVERSATION_MEMBERS members): receipts cost one row per window,
// "seen by" comes from the receipts endpoint, the list carries no member array, typing is throttled.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type {
  Ack,
  Conversation,
  MembersResponse,
  Message,
  MessageReceiptsResponse,
  ReceiptEvent,
  TypingEvent,
} from "@messenger/protocol";
import {
  addSqlMembers,
  api,
  type Client,
  directWith,
  emitAck,
  groupOf,
  type Harness,
  recorder,
  register,
  type SqlUser,
  send,
  sentinel,
  socketFor,
  startHarness,
  type TestUser,
} from "./helpers.js";

let h: Harness;
before(async () => {
  h = await startHarness({
    BIG_CONVERSATION_MEMBERS: "50",
    BIG_CONVERSATION_RECEIPT_WINDOW_MS: "150",
    BIG_CONVERSATION_TYPING_MS: "60000",
    SEND_RATE_PER_SECOND: "1000",
    SOCKET_EVENTS_PER_SECOND: "1000",
  });
});
after(async () => {
  await h.close();
});

const conversation = async (user: TestUser, conv: string) =>
  (await api<{ conversation: Conversation }>(h, user, "GET", `/api/conversations/${conv}`)).body.conversation;

/** Ann (admin) and Ben registered, and `extra` more members made in SQL. */
async function bigGroup(extra: number) {
  const [ann, ben] = await Promise.all([register(h), register(h)]);
  const conv = await groupOf(h, ann, [ben], "All staff");
  const staff = await addSqlMembers(h, conv, extra);
  const socketOf = (u: SqlUser) => socketFor(h, u.accessToken);
  const userOf = (u: SqlUser) => ({ auth: { authorization: `Bearer ${u.accessToken}` } }) as TestUser;
  return { ann, ben, conv, staff, socketOf, userOf };
}

const counter = async (table: string) =>
  (await h.app.deps.metrics.positionRowsWritten.get()).values.find((v) => v.labels.table === table)?.value ?? 0;
const windows = async () =>
  (await h.app.deps.metrics.receiptWindowSize.get()).values.find((v) => v.metricName?.endsWith("_count"))?.value ?? 0;

test("in a big group a burst of receipts is one positions row per window, and no final position is lost, after a restart too", async () => {
  const { ann, ben, conv, staff, socketOf, userOf } = await bigGroup(58);
  const sa = await socketFor(h, ann.accessToken);
  const [benPhone, benLaptop] = [await socketFor(h, ben.accessToken), await socketFor(h, ben.accessToken)];
  const readers = staff.slice(0, 5);
  const readerSockets = await Promise.all(readers.map(socketOf));
  const [ra, rLaptop] = [recorder(sa), recorder(benLaptop)];
  for (let i = 1; i <= 20; i++) await send(sa, conv, `m${i}`);

  const [membersBefore, positionsBefore, windowsBefore] = [
    await counter("conversation_members"),
    await counter("conversation_positions"),
    await windows(),
  ];
  // As clients scrolling through a backlog do: delivered for every message, read for a part of them.
  const acks: Promise<Ack<object>>[] = [];
  for (let seq = 1; seq <= 20; seq++) {
    acks.push(emitAck(benPhone, "conversation:delivered", { conversationId: conv, seq }));
    acks.push(emitAck(benPhone, "conversation:read", { conversationId: conv, seq }));
    readerSockets.forEach((s, i) => {
      acks.push(emitAck(s, "conversation:delivered", { conversationId: conv, seq }));
      if (seq <= 4 * (i + 1)) acks.push(emitAck(s, "conversation:read", { conversationId: conv, seq }));
    });
  }
  for (const ack of await Promise.all(acks)) assert.deepEqual(ack, { ok: true });

  const written = (await counter("conversation_positions")) - positionsBefore;
  const windowCount = (await windows()) - windowsBefore;
  assert.equal((await counter("conversation_members")) - membersBefore, 0, "no member row per move");
  assert.ok(written >= 1 && written <= windowCount, `${written} rows for ${windowCount} windows`);
  assert.ok(windowCount < acks.length / 10, `${acks.length} moves in ${windowCount} windows`);

  // Ben's other device hears his final read; Ann hears the reads of her messages, not deliveries.
  await rLaptop.waitFor<ReceiptEvent>("receipt", (r) => r.userId === ben.user.id && r.kind === "read" && r.seq === 20);
  await ra.waitFor<ReceiptEvent>("receipt", (r) => r.userId === readers[4]!.id && r.kind === "read" && r.seq === 20);
  await sentinel(benPhone, conv, [ra]);
  assert.equal(ra.of<ReceiptEvent>("receipt").filter((r) => r.kind === "delivered").length, 0);

  const check = async () => {
    assert.equal((await conversation(ben, conv)).unreadCount, 0);
    const third = await conversation(userOf(readers[2]!), conv);
    // 21 messages: Ben's sentinel came after the burst.
    assert.deepEqual(
      [third.unreadCount, third.members[0]?.lastReadSeq, third.members[0]?.lastDeliveredSeq],
      [9, 12, 20],
    );
    const page = await api<MembersResponse>(h, ann, "GET", `/api/conversations/${conv}/members?limit=200`);
    const seqs = readers.map((u) => page.body.members.find((m) => m.user.id === u.id)?.lastReadSeq);
    assert.deepEqual(seqs, [4, 8, 12, 16, 20]);
  };
  await check();
  await h.restart();
  await check();
});

test("'seen by' in a big group comes from the receipts endpoint, matches what was read and pages", async () => {
  const { ann, ben, conv, staff, socketOf } = await bigGroup(60);
  const sa = await socketFor(h, ann.accessToken);
  const m1 = await send(sa, conv, "first");
  const m2 = await send(sa, conv, "second");
  const readers = staff.slice(0, 7);
  const sockets = await Promise.all(readers.map(socketOf));
  // Four read both messages, three only the first; Ben has both delivered and read nothing.
  await Promise.all(
    sockets.map(async (s, i) =>
      assert.deepEqual(await emitAck(s, "conversation:read", { conversationId: conv, seq: i < 4 ? 2 : 1 }), {
        ok: true,
      }),
    ),
  );
  const sb = await socketFor(h, ben.accessToken);
  assert.deepEqual(await emitAck(sb, "conversation:delivered", { conversationId: conv, seq: 2 }), { ok: true });

  const receipts = (m: Message, query = "") =>
    api<MessageReceiptsResponse>(h, ben, "GET", `/api/conversations/${conv}/messages/${m.id}/receipts${query}`);
  const first = await receipts(m1);
  assert.equal(first.status, 200);
  assert.deepEqual([first.body.readCount, first.body.deliveredCount], [7, 8], "the sender is not counted");
  const second = await receipts(m2);
  assert.deepEqual([second.body.readCount, second.body.deliveredCount], [4, 5]);

  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: MessageReceiptsResponse } = await receipts(m1, `?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
    assert.ok(page.body.users.length <= 3);
    seen.push(...page.body.users.map((u) => u.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  assert.deepEqual(seen.sort(), readers.map((u) => u.id).sort());
  const delivered = await receipts(m2, "?status=delivered");
  assert.deepEqual(
    delivered.body.users.map((u) => u.id).sort(),
    [...readers.slice(0, 4).map((u) => u.id), ben.user.id].sort(),
  );
});

test("a non-member gets 404 for a message's receipts and a group's members, and so does a message of another conversation", async () => {
  const { ann, ben, conv } = await bigGroup(55);
  const eve = await register(h);
  const sa = await socketFor(h, ann.accessToken);
  const m = await send(sa, conv, "staff only");
  const outsider = await api(h, eve, "GET", `/api/conversations/${conv}/messages/${m.id}/receipts`);
  assert.equal(outsider.status, 404);
  assert.equal((await api(h, eve, "GET", `/api/conversations/${conv}/members`)).status, 404);
  const dm = await directWith(h, ann, ben);
  const elsewhere = await api(h, ben, "GET", `/api/conversations/${dm}/messages/${m.id}/receipts`);
  assert.equal(elsewhere.status, 404, "a message is looked up in its own conversation only");
  const bad = await api<{ error: { code: string } }>(
    h,
    ben,
    "GET",
    `/api/conversations/${conv}/messages/${m.id}/receipts?status=typed`,
  );
  assert.equal(bad.status, 400);
});

test("the list carries memberCount and, for a big group, only me; a small group keeps every member", async () => {
  const { ann, ben, conv } = await bigGroup(60);
  const small = await groupOf(h, ann, [ben], "Two of us");
  const list = (await api<{ conversations: Conversation[] }>(h, ben, "GET", "/api/conversations")).body.conversations;
  const big = list.find((c) => c.id === conv)!;
  assert.deepEqual([big.memberCount, big.large, big.members.map((m) => m.user.id)], [62, true, [ben.user.id]]);
  const few = list.find((c) => c.id === small)!;
  assert.deepEqual([few.memberCount, few.large, few.members.length], [2, undefined, 2]);
});

test("typing in a big group: one relay per interval for the whole conversation, and 'stopped' only from who was shown", async () => {
  const { ann, ben, conv, staff, socketOf } = await bigGroup(55);
  const [sa, sb] = [await socketFor(h, ann.accessToken), await socketFor(h, ben.accessToken)];
  const sc = await socketOf(staff[0]!);
  const rb = recorder(sb);
  const typing = (s: Client, on: boolean) => emitAck(s, "typing", { conversationId: conv, typing: on });

  assert.deepEqual(await typing(sa, true), { ok: true });
  assert.deepEqual(await typing(sc, true), { ok: true });
  assert.deepEqual(await typing(sa, true), { ok: true });
  assert.deepEqual(await typing(sc, false), { ok: true });
  assert.deepEqual(await typing(sa, false), { ok: true });
  await rb.waitFor<TypingEvent>("typing", (t) => t.userId === ann.user.id && !t.typing);
  // Ann stopped: the next typist shows at once.
  assert.deepEqual(await typing(sc, true), { ok: true });
  await rb.waitFor<TypingEvent>("typing", (t) => t.userId === staff[0]!.id && t.typing);
  await sentinel(sa, conv, [rb]);
  assert.deepEqual(
    rb.of<TypingEvent>("typing").map((t) => [t.userId === ann.user.id ? "ann" : "staff", t.typing]),
    [
      ["ann", true],
      ["ann", false],
      ["staff", true],
    ],
  );
});

test("people are found by id for the names a big group's list does not carry; a bad list of ids is a 400", async () => {
  const { ben, staff } = await bigGroup(52);
  const ids = [staff[0]!.id, staff[1]!.id];
  const found = await api<{ users: { id: string; displayName: string }[] }>(
    h,
    ben,
    "GET",
    `/api/users/lookup?ids=${ids.join(",")}`,
  );
  assert.equal(found.status, 200);
  assert.deepEqual(found.body.users.map((u) => u.id).sort(), [...ids].sort());
  assert.equal((await api(h, ben, "GET", "/api/users/lookup?ids=not-an-id")).status, 400);
  assert.equal((await api(h, null, "GET", `/api/users/lookup?ids=${ids[0]}`)).status, 401);
});
