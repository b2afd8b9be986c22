// Two chat-service instances on one database and one real Redis behave as one service.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { createTestDatabase, type TestDatabase } from "@messenger/common/testing";
import type { Conversation, Message, PresenceEvent, TypingEvent } from "@messenger/protocol";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { api, type Client, dropRedisKeys, emitAck, harnessOf, recorder, register, send, socketFor } from "./helpers.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
// Keys and channels of this file only, so parallel test files never meet.
const prefix = `test-${randomBytes(5).toString("hex")}`;
let db: TestDatabase;
let a: FastifyInstance;
let b: FastifyInstance;
const sockets: Client[] = [];

const asHarness = (app: FastifyInstance) => harnessOf(app, sockets);
const socketOn = (app: FastifyInstance, token: string): Promise<Client> => socketFor(asHarness(app), token);

before(async () => {
  db = await createTestDatabase();
  const config = loadConfig({
    DATABASE_URL: db.url,
    NODE_ENV: "test",
    REDIS_URL,
    REDIS_PREFIX: prefix,
    TYPING_THROTTLE_MS: "60000",
    SEND_RATE_PER_SECOND: "5",
    REGISTRATION: "open",
  });
  a = await buildApp(config);
  b = await buildApp(config);
  await a.listen({ port: 0, host: "127.0.0.1" });
  await b.listen({ port: 0, host: "127.0.0.1" });
});

after(async () => {
  for (const s of sockets) s.disconnect();
  await a?.close();
  await b?.close();
  await db?.drop();
  await dropRedisKeys(REDIS_URL, prefix);
});

test("users on different instances exchange messages, receipts, typing, presence and membership changes", async () => {
  const [ann, ben, cat] = [await register(asHarness(a)), await register(asHarness(b)), await register(asHarness(a))];
  const group = await api<{ conversation: Conversation }>(asHarness(a), ann, "POST", "/api/conversations", {
    kind: "group",
    title: "across",
    memberIds: [ben.user.id],
  });
  const conv = group.body.conversation.id;

  const sb = await socketOn(b, ben.accessToken);
  const rb = recorder(sb);
  const sa = await socketOn(a, ann.accessToken);
  const ra = recorder(sa);
  // Ann's presence (instance A) reaches Ben (instance B).
  await rb.waitFor<PresenceEvent>("presence", (p) => p.userId === ann.user.id && p.online);

  const m = await send(sa, conv, "hello from A");
  await rb.waitFor<Message>("message:new", (x) => x.id === m.id);
  const reply = await send(sb, conv, "hello from B");
  await ra.waitFor<Message>("message:new", (x) => x.id === reply.id);
  assert.deepEqual(await emitAck(sa, "conversation:read", { conversationId: conv, seq: reply.seq }), { ok: true });
  await rb.waitFor("receipt", (r: { userId: string; seq: number }) => r.userId === ann.user.id && r.seq === reply.seq);

  // The typing throttle is shared: a second "typing" through the other instance is not relayed.
  const annOnB = await socketOn(b, ann.accessToken);
  assert.deepEqual(await emitAck(sa, "typing", { conversationId: conv, typing: true }), { ok: true });
  assert.deepEqual(await emitAck(annOnB, "typing", { conversationId: conv, typing: true }), { ok: true });
  assert.deepEqual(await emitAck(sa, "typing", { conversationId: conv, typing: false }), { ok: true });
  await rb.waitFor<TypingEvent>("typing", (t) => !t.typing);
  assert.deepEqual(
    rb.of<TypingEvent>("typing").map((t) => t.typing),
    [true, false],
  );

  // Presence counts sockets across instances: Ann stays online while her socket on B is connected.
  sa.disconnect();
  const sentinel = await send(annOnB, conv, "still here");
  await rb.waitFor<Message>("message:new", (x) => x.id === sentinel.id);
  assert.equal(rb.of<PresenceEvent>("presence").filter((p) => p.userId === ann.user.id && !p.online).length, 0);
  const members = (await api<{ conversation: Conversation }>(asHarness(b), ben, "GET", `/api/conversations/${conv}`))
    .body.conversation.members;
  assert.equal(members.find((x) => x.user.id === ann.user.id)?.user.online, true);
  annOnB.disconnect();
  await rb.waitFor<PresenceEvent>("presence", (p) => p.userId === ann.user.id && !p.online);

  // Adding a member through instance A makes their socket on instance B join the room.
  const sc = await socketOn(b, cat.accessToken);
  const rc = recorder(sc);
  const sa2 = await socketOn(a, ann.accessToken);
  const added = await api(asHarness(a), ann, "POST", `/api/conversations/${conv}/members`, { userIds: [cat.user.id] });
  assert.equal(added.status, 200);
  await rc.waitFor<Conversation>("conversation:updated", (c) => c.id === conv);
  const welcome = await send(sa2, conv, "welcome, cat");
  await rc.waitFor<Message>("message:new", (x) => x.id === welcome.id);
});

test("the message:send rate limit is per user across instances", async () => {
  const [ann, ben] = [await register(asHarness(a)), await register(asHarness(b))];
  const conv = (
    await api<{ conversation: Conversation }>(asHarness(a), ann, "POST", "/api/conversations", {
      kind: "direct",
      userId: ben.user.id,
    })
  ).body.conversation.id;
  const onA = await socketOn(a, ann.accessToken);
  const onB = await socketOn(b, ann.accessToken);
  const acks = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      emitAck(i % 2 ? onA : onB, "message:send", { conversationId: conv, clientId: `r${i}`, body: `m${i}` }),
    ),
  );
  const ok = acks.filter((x) => x.ok).length;
  assert.ok(ok <= 5 + 1, `one budget of 5/s across both instances (${ok} accepted)`);
  assert.ok(acks.some((x) => !x.ok && x.error.code === "rate_limited"));
});
