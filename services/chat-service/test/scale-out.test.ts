// Several chat-service instances on one PostgreSQL and one Redis: a 1:1 call between users on
// different instances, and an instance that crashes (a real child process, SIGKILLed) while its
// users are sending — they reconnect to a survivor and lose nothing; its users go offline.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { createTestDatabase, type TestDatabase } from "@messenger/common/testing";
import type {
  Ack,
  CallAcceptedEvent,
  CallEndedEvent,
  CallIncomingEvent,
  CallSignalEvent,
  Conversation,
  Message,
  MessagesResponse,
  PresenceEvent,
} from "@messenger/protocol";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import {
  api,
  type Client,
  directWith,
  dropRedisKeys,
  emitAck,
  groupOf,
  type Harness,
  harnessOf,
  nextEvent,
  type Recorder,
  recorder,
  register,
  socketFor,
  spawnChatService,
  type TestUser,
  within,
} from "./helpers.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
// Keys and channels of this file only, so parallel test files never meet.
const prefix = `test-scale-${randomBytes(5).toString("hex")}`;
// Short enough to see a crash quickly, long enough that a busy test machine never misses a beat.
const PRESENCE_HEARTBEAT_MS = 200;
const PRESENCE_TTL_MS = 2000;
// A crashed instance's users must be reported offline within this long (without instance heartbeats: never).
const OFFLINE_BOUND_MS = PRESENCE_TTL_MS + 8000;

let db: TestDatabase;
let a: FastifyInstance;
let b: FastifyInstance;
const sockets: Client[] = [];
const children = new Set<ChildProcess>();

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  DATABASE_URL: db.url,
  NODE_ENV: "test",
  LOG_LEVEL: "silent",
  REDIS_URL,
  REDIS_PREFIX: prefix,
  // The crash test sends as fast as acks come back.
  SEND_RATE_PER_SECOND: "100000",
  REGISTRATIONS_PER_HOUR: "100000",
  REGISTRATION: "open",
  CALL_RING_TIMEOUT_MS: "60000",
  CALL_DISCONNECT_GRACE_MS: "30000",
  PRESENCE_HEARTBEAT_MS: String(PRESENCE_HEARTBEAT_MS),
  PRESENCE_TTL_MS: String(PRESENCE_TTL_MS),
  ...extra,
});

async function startInstance(extra: Record<string, string> = {}): Promise<FastifyInstance> {
  const app = await buildApp(loadConfig(env(extra)));
  await app.listen({ port: 0, host: "127.0.0.1" });
  return app;
}

const urlOf = (app: FastifyInstance) => harnessOf(app).url;
// The helpers take a Harness; only `app` is used by register()/api().
const asHarness = (app: FastifyInstance) => harnessOf(app, sockets);

const spawnInstance = () => spawnChatService(env({ HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info" }), children);

/** A connected socket.io client of `url` (helpers.socketFor; closed after the file). */
const socketOn = (url: string, token: string) => socketFor({ url, sockets } as unknown as Harness, token);

before(async () => {
  db = await createTestDatabase();
  a = await startInstance();
  b = await startInstance();
});

after(async () => {
  for (const s of sockets) s.disconnect();
  for (const c of children) c.kill("SIGKILL");
  await a?.close();
  await b?.close();
  await db?.drop();
  await dropRedisKeys(REDIS_URL, prefix);
});

const ok = (ack: { ok: boolean; error?: unknown }) => assert.equal(ack.ok, true, JSON.stringify(ack));

test("a 1:1 call between users on different instances rings, connects, relays SDP and ICE, and hangs up on both", async () => {
  const [ann, ben] = [await register(asHarness(a)), await register(asHarness(b))];
  const conversationId = await directWith(asHarness(a), ann, ben);
  const onA = await socketOn(urlOf(a), ann.accessToken);
  const onB = await socketOn(urlOf(b), ben.accessToken);
  const [ra, rb] = [recorder(onA), recorder(onB)];

  const callId = randomUUID();
  ok(await emitAck(onA, "call:invite", { callId, conversationId, video: true }));
  const incoming = await rb.waitFor<CallIncomingEvent>("call:incoming", (e) => e.callId === callId);
  assert.equal(incoming.from.id, ann.user.id);
  assert.equal(incoming.conversationId, conversationId);
  assert.equal(incoming.video, true);

  const accept = await emitAck<{ initiator: boolean }>(onB, "call:accept", { callId });
  ok(accept);
  assert.equal(accept.ok && accept.initiator, false);
  assert.deepEqual(await ra.waitFor<CallAcceptedEvent>("call:accepted"), { callId, by: ben.user.id, initiator: true });

  // SDP offer/answer and ICE candidates cross the instances both ways, to the call's sockets.
  const offer = { type: "offer", sdp: "v=0 offer from A" };
  const answer = { type: "answer", sdp: "v=0 answer from B" };
  const candA = { candidate: { candidate: "candidate:1 1 udp 2122260223 10.0.0.1 50000 typ host", sdpMid: "0" } };
  const candB = { candidate: { candidate: "candidate:2 1 udp 2122260223 10.0.0.2 50001 typ relay", sdpMid: "0" } };
  ok(await emitAck(onA, "call:signal", { callId, data: offer }));
  ok(await emitAck(onA, "call:signal", { callId, data: candA }));
  ok(await emitAck(onB, "call:signal", { callId, data: answer }));
  ok(await emitAck(onB, "call:signal", { callId, data: candB }));
  await rb.waitFor<CallSignalEvent>("call:signal", (e) => "candidate" in e.data);
  await ra.waitFor<CallSignalEvent>("call:signal", (e) => "candidate" in e.data);
  assert.deepEqual(rb.of<CallSignalEvent>("call:signal"), [
    { callId, from: ann.user.id, data: offer },
    { callId, from: ann.user.id, data: candA },
  ]);
  assert.deepEqual(ra.of<CallSignalEvent>("call:signal"), [
    { callId, from: ben.user.id, data: answer },
    { callId, from: ben.user.id, data: candB },
  ]);

  // The callee hangs up on B: the caller on A hears it; both get the call log.
  ok(await emitAck(onB, "call:end", { callId }));
  assert.deepEqual(await ra.waitFor<CallEndedEvent>("call:ended"), { callId, reason: "hangup" });
  for (const r of [ra, rb]) {
    const log = await r.waitFor<Message>("message:new", (m) => m.kind === "call" && m.call?.callId === callId);
    assert.equal(log.call?.outcome, "completed");
  }
  assert.equal(rb.of("call:ended").length, 0, "the hanging-up socket gets the ack, not an event");
  // Over on both instances.
  const late = await emitAck(onA, "call:signal", { callId, data: candA });
  assert.equal(!late.ok && late.error.code, "call_not_found");
});

/** Every message of the conversation, ascending, read through the survivor's REST API. */
async function history(app: FastifyInstance, user: TestUser, conversationId: string, after = 0): Promise<Message[]> {
  const out: Message[] = [];
  for (let cursor = after; ; ) {
    const res = await api<MessagesResponse>(
      asHarness(app),
      user,
      "GET",
      `/api/conversations/${conversationId}/messages?after=${cursor}&limit=100`,
    );
    assert.equal(res.status, 200);
    out.push(...res.body.messages);
    if (!res.body.hasMore || res.body.messages.length === 0) return out;
    cursor = res.body.messages.at(-1)!.seq;
  }
}

/** The highest seq a client has seen with nothing missing below it: where its catch-up starts. */
function lastContiguousSeq(seqs: Iterable<number>): number {
  const seen = new Set(seqs);
  let n = 0;
  while (seen.has(n + 1)) n++;
  return n;
}

/** message:send with a clientId of the test's choosing (a client's own ids, re-sent after a crash). */
async function sendAs(s: Client, conversationId: string, clientId: string, body: string): Promise<Message> {
  const ack = await emitAck<{ message: Message }>(s, "message:send", { conversationId, clientId, body });
  assert.ok(ack.ok, `send ${clientId}: ${JSON.stringify(ack)}`);
  return ack.message;
}

/**
 * Sends as fast as acks come back (a window in flight), until the socket drops.
 * `onAck` sees the number of acked messages so far.
 */
function sendUntilDropped(s: Client, conversationId: string, onAck: (acked: number) => void) {
  const WINDOW = 8;
  const sent: string[] = [];
  const acked = new Map<string, Message>();
  const refused: unknown[] = [];
  let inFlight = 0;
  let dropped = false;
  const pump = () => {
    while (!dropped && inFlight < WINDOW) {
      const clientId = `crash-${sent.length}`;
      sent.push(clientId);
      inFlight++;
      s.emit(
        "message:send",
        { conversationId, clientId, body: `body of ${clientId}` },
        (ack: Ack<{ message: Message }>) => {
          inFlight--;
          if (ack.ok) acked.set(clientId, ack.message);
          else refused.push(ack);
          pump();
          onAck(acked.size);
        },
      );
    }
  };
  const done = new Promise<{ sent: string[]; acked: Map<string, Message>; refused: unknown[] }>((resolve) => {
    s.once("disconnect", () => {
      dropped = true;
      resolve({ sent, acked, refused });
    });
  });
  pump();
  return done;
}

test("an instance killed while its users send: they reconnect to the survivor, re-send what was not acked, and catch up with every message exactly once", async () => {
  const [ann, ben, cat] = [await register(asHarness(a)), await register(asHarness(a)), await register(asHarness(a))];
  const conversationId = await groupOf(asHarness(a), ann, [ben, cat], "crash");
  const c = await spawnInstance();

  // Ben is on the survivor; Ann (sending) and Cat (reading) are on the instance that dies.
  const benOnA = await socketOn(urlOf(a), ben.accessToken);
  const rBen = recorder(benOnA);
  const annOnC = await socketOn(c.url, ann.accessToken);
  const rAnnC = recorder(annOnC);
  const catOnC = await socketOn(c.url, cat.accessToken);
  const rCatC = recorder(catOnC);
  const catDropped = new Promise<void>((resolve) => catOnC.once("disconnect", () => resolve()));

  let killing: Promise<void> | undefined;
  const { sent, acked, refused } = await sendUntilDropped(annOnC, conversationId, (n) => {
    if (n === 20 && !killing) killing = c.kill();
  });
  await killing;
  await catDropped;
  assert.deepEqual(refused, []);
  const unacked = sent.filter((id) => !acked.has(id));
  assert.ok(unacked.length > 0, "the instance died with sends in flight");

  // What each client had seen before the crash (Ann: her acks and the events of her own socket).
  const annSeen = [...acked.values()].map((m) => m.seq);
  const catSeen = rCatC.of<Message>("message:new").map((m) => m.seq);

  // The load balancer sends them to the survivor: same token, new sockets.
  const annOnA = await socketOn(urlOf(a), ann.accessToken);
  const catOnA = await socketOn(urlOf(a), cat.accessToken);
  const rCatA = recorder(catOnA);
  // Every unacked message again, with the same clientId (some were committed before the crash,
  // only their acks were lost); then life goes on.
  const resent = new Map<string, Message>();
  for (const clientId of unacked)
    resent.set(clientId, await sendAs(annOnA, conversationId, clientId, `body of ${clientId}`));
  const more = new Map<string, Message>();
  for (let i = 0; i < 3; i++)
    more.set(`after-${i}`, await sendAs(annOnA, conversationId, `after-${i}`, `after the crash ${i}`));

  // The conversation holds every clientId exactly once, seqs 1..N with no gap.
  const all = await history(a, ann, conversationId);
  assert.deepEqual(
    all.map((m) => m.seq),
    Array.from({ length: all.length }, (_, i) => i + 1),
  );
  assert.deepEqual(all.map((m) => m.clientId).sort(), [...sent, ...more.keys()].sort());
  for (const m of all) {
    assert.equal(m.senderId, ann.user.id);
    assert.equal(
      m.body,
      m.clientId.startsWith("crash-") ? `body of ${m.clientId}` : `after the crash ${m.clientId.slice(6)}`,
    );
  }
  // Nothing acked is lost or changed: before the crash, on the re-send, after it.
  const byId = new Map(all.map((m) => [m.id, m]));
  for (const [clientId, m] of [...acked, ...resent, ...more]) {
    const stored = byId.get(m.id);
    assert.ok(stored, `acked ${clientId} is stored`);
    assert.equal(stored.clientId, clientId);
    assert.equal(stored.seq, m.seq);
  }

  // Each client catches up from the last seq it saw; with what it had, that is everything, once.
  const views: [string, TestUser, number[], Recorder][] = [
    ["Ann", ann, annSeen, rAnnC],
    ["Cat", cat, catSeen, rCatA],
    ["Ben (on the survivor all along)", ben, rBen.of<Message>("message:new").map((m) => m.seq), rBen],
  ];
  for (const [who, user, seen] of views) {
    const from = lastContiguousSeq(seen);
    const caughtUp = await history(a, user, conversationId, from);
    assert.deepEqual(
      caughtUp.map((m) => m.seq),
      Array.from({ length: all.length - from }, (_, i) => from + i + 1),
      `${who} catches up from ${from} without a gap or a duplicate`,
    );
    const have = new Set([...seen.filter((s) => s <= from), ...caughtUp.map((m) => m.seq)]);
    assert.equal(have.size, all.length, `${who} has every message`);
  }
});

test("users connected only to a killed instance are reported offline to their contacts within a bounded time", async () => {
  const [dan, eve, fay] = [await register(asHarness(a)), await register(asHarness(a)), await register(asHarness(a))];
  const withDan = await directWith(asHarness(a), eve, dan);
  await directWith(asHarness(a), eve, fay);
  const c = await spawnInstance();

  const eveOnA = await socketOn(urlOf(a), eve.accessToken);
  const rEve = recorder(eveOnA);
  // Dan is only on the instance that dies; Fay is on it and on B as well.
  await socketOn(c.url, dan.accessToken);
  await socketOn(c.url, fay.accessToken);
  await rEve.waitFor<PresenceEvent>("presence", (p) => p.userId === dan.user.id && p.online);
  await rEve.waitFor<PresenceEvent>("presence", (p) => p.userId === fay.user.id && p.online);
  await socketOn(urlOf(b), fay.accessToken);

  const membersOnline = async () => {
    const conv = (await api<{ conversation: Conversation }>(asHarness(b), eve, "GET", `/api/conversations/${withDan}`))
      .body.conversation;
    return conv.members.find((m) => m.user.id === dan.user.id)?.user.online;
  };
  assert.equal(await membersOnline(), true);

  const killedAt = Date.now();
  await c.kill();
  const offline = await within(
    OFFLINE_BOUND_MS,
    "Dan reported offline after his instance was killed",
    rEve.waitFor<PresenceEvent>("presence", (p) => p.userId === dan.user.id && !p.online),
  );
  assert.ok(offline.lastSeenAt, "going offline records when Dan was last seen");
  assert.ok(Date.now() - killedAt <= OFFLINE_BOUND_MS);
  // Every instance answers the same: Dan offline, Fay (still on B) online and never reported offline.
  assert.equal(await membersOnline(), false);
  const users = await api<{ users: { id: string; online: boolean }[] }>(
    asHarness(a),
    eve,
    "GET",
    `/api/users?q=${encodeURIComponent(fay.user.username)}`,
  );
  assert.equal(users.body.users.find((u) => u.id === fay.user.id)?.online, true);
  assert.equal(rEve.of<PresenceEvent>("presence").filter((p) => p.userId === fay.user.id && !p.online).length, 0);
});

test("a gracefully closed instance takes its users offline at once, not after the presence TTL", async () => {
  // A TTL far longer than the test may wait: only the close itself can take Gus offline in time.
  const d = await startInstance({ PRESENCE_HEARTBEAT_MS: "1000", PRESENCE_TTL_MS: "120000" });
  const [gus, hal] = [await register(asHarness(a)), await register(asHarness(a))];
  const conversationId = await directWith(asHarness(a), hal, gus);
  const halOnA = await socketOn(urlOf(a), hal.accessToken);
  const rHal = recorder(halOnA);
  await socketOn(urlOf(d), gus.accessToken);
  await rHal.waitFor<PresenceEvent>("presence", (p) => p.userId === gus.user.id && p.online);

  await d.close();
  await within(
    10_000,
    "Gus reported offline when his instance closed",
    rHal.waitFor<PresenceEvent>("presence", (p) => p.userId === gus.user.id && !p.online),
  );
  const conv = (
    await api<{ conversation: Conversation }>(asHarness(a), hal, "GET", `/api/conversations/${conversationId}`)
  ).body.conversation;
  assert.equal(conv.members.find((m) => m.user.id === gus.user.id)?.user.online, false);
});

test("an instance that stalls past the TTL is taken for dead; when it resumes, its users are online again", async () => {
  const [ivy, jon] = [await register(asHarness(a)), await register(asHarness(a))];
  const conversationId = await directWith(asHarness(a), jon, ivy);
  const c = await spawnInstance();
  const jonOnA = await socketOn(urlOf(a), jon.accessToken);
  const rJon = recorder(jonOnA);
  const ivyOnC = await socketOn(c.url, ivy.accessToken);
  await rJon.waitFor<PresenceEvent>("presence", (p) => p.userId === ivy.user.id && p.online);
  const ivyOnline = async () =>
    (
      await api<{ conversation: Conversation }>(asHarness(a), jon, "GET", `/api/conversations/${conversationId}`)
    ).body.conversation.members.find((m) => m.user.id === ivy.user.id)?.user.online;

  // Frozen longer than the TTL: the survivors cannot tell it from a crash.
  c.pause();
  const presenceOf = (online: boolean) => (p: PresenceEvent) => p.userId === ivy.user.id && p.online === online;
  await within(
    OFFLINE_BOUND_MS,
    "Ivy reported offline while her instance is frozen",
    rJon.waitFor("presence", presenceOf(false)),
  );
  assert.equal(await ivyOnline(), false);

  // Thawed: her socket never dropped, so her instance registers her again and says so.
  const online = nextEvent<PresenceEvent>(rJon, "presence", presenceOf(true));
  c.resume();
  await within(OFFLINE_BOUND_MS, "Ivy reported online again once her instance resumed", online);
  assert.equal(ivyOnC.connected, true);
  assert.equal(await ivyOnline(), true);
  await c.kill();
});
