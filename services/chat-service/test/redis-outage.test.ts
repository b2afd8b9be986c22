// Redis goes away (SIGKILL, then a fresh empty restart; or SIGSTOP: connected and silent) under two
// chat-service instances running as deployed (src/server.ts in processes of their own): nobody's
// sending stops, no process dies, and what could not cross between instances reaches the other
// side once Redis is back, without anybody sending again.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, before, test } from "node:test";
import { createTestDatabase, type TestDatabase } from "@messenger/common/testing";
import type { Ack, ConversationsResponse, Message, MessagesResponse, SyncHintEvent } from "@messenger/protocol";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import {
  api,
  type ChildInstance,
  type Client,
  directWith,
  emitAck,
  type Harness,
  harnessOf,
  nextEvent,
  type OwnRedis,
  ownRedis,
  type Recorder,
  recorder,
  register,
  socketFor,
  spawnChatService,
  type TestUser,
  within,
} from "./helpers.js";

const COMMAND_TIMEOUT_MS = 500;
// Generous: the machine is shared; what matters is that nothing waits for Redis to come back.
const ACK_BOUND_MS = 10 * COMMAND_TIMEOUT_MS;

let db: TestDatabase;
let redis: OwnRedis;
let a: ChildInstance;
let b: ChildInstance;
/** In this process, with a small send budget: the rate limit while Redis hangs. */
let limited: FastifyInstance;
const sockets: Client[] = [];
const children = new Set<ChildProcess>();

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  DATABASE_URL: db.url,
  NODE_ENV: "test",
  LOG_LEVEL: "info",
  HOST: "127.0.0.1",
  PORT: "0",
  REDIS_URL: redis.url,
  REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
  SYNC_HINT_SPREAD_MS: "0",
  // Many users register without invites.
  REGISTRATION: "open",
  SEND_RATE_PER_SECOND: "100000",
  PRESENCE_HEARTBEAT_MS: "200",
  PRESENCE_TTL_MS: "2000",
  ...extra,
});

// Every user is registered through the in-process instance (same database as the children).
const viaLimited = () => harnessOf(limited, sockets);
const socketOn = (url: string, token: string) => socketFor({ url, sockets } as unknown as Harness, token);

before(async () => {
  db = await createTestDatabase();
  redis = await ownRedis();
  await redis.start();
  [a, b] = await Promise.all([spawnChatService(env(), children), spawnChatService(env(), children)]);
  limited = await buildApp(loadConfig({ ...env({ SEND_RATE_PER_SECOND: "5" }), LOG_LEVEL: "silent" }));
  await limited.listen({ port: 0, host: "127.0.0.1" });
});

after(async () => {
  for (const s of sockets) s.disconnect();
  for (const c of children) c.kill("SIGKILL");
  redis?.resume();
  try {
    await limited?.close();
  } finally {
    await redis?.kill();
    await db?.drop();
  }
});

/** Sends as fast as acks come back (a window in flight) until stopped; every ack is kept. */
function keepSending(s: Client, conversationId: string, tag: string) {
  const WINDOW = 4;
  const acked: Message[] = [];
  const refused: unknown[] = [];
  let sent = 0;
  let inFlight = 0;
  let stopping = false;
  let onIdle: (() => void) | undefined;
  const listeners = new Set<() => void>();
  const pump = () => {
    while (!stopping && inFlight < WINDOW) {
      const clientId = `${tag}-${sent++}`;
      inFlight++;
      s.emit("message:send", { conversationId, clientId, body: clientId }, (ack: Ack<{ message: Message }>) => {
        inFlight--;
        if (ack.ok) acked.push(ack.message);
        else refused.push(ack);
        for (const l of [...listeners]) l();
        if (inFlight === 0) onIdle?.();
        pump();
      });
    }
  };
  pump();
  return {
    acked,
    refused,
    /** Resolves once `n` more sends than now are acked. */
    more(n: number): Promise<void> {
      const target = acked.length + n;
      return new Promise((resolve) => {
        const check = () => {
          if (acked.length >= target) {
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
        check();
      });
    },
    /** Stops sending; resolves when every send in flight is answered. */
    stop(): Promise<void> {
      stopping = true;
      return inFlight === 0 ? Promise.resolve() : new Promise((resolve) => (onIdle = resolve));
    },
  };
}

async function history(user: TestUser, conversationId: string, after: number): Promise<Message[]> {
  const res = await api<MessagesResponse>(
    viaLimited(),
    user,
    "GET",
    `/api/conversations/${conversationId}/messages?after=${after}&limit=100`,
  );
  assert.equal(res.status, 200);
  return res.body.messages;
}

/** What a recipient knows: its live events, plus what it fetches from its last contiguous seq. */
async function seenByRecipient(r: Recorder, user: TestUser, conversationId: string): Promise<Set<string>> {
  const live = r.of<Message>("message:new").filter((m) => m.conversationId === conversationId);
  const seqs = new Set(live.map((m) => m.seq));
  let contiguous = 0;
  while (seqs.has(contiguous + 1)) contiguous++;
  const fetched = await history(user, conversationId, contiguous);
  return new Set([...live, ...fetched].map((m) => m.id));
}

/** `n` sends one after the other, each acked (ok) within ACK_BOUND_MS. */
async function sendEachWithin(s: Client, conversationId: string, tag: string, n: number): Promise<Message[]> {
  const acked: Message[] = [];
  for (let i = 0; i < n; i++) {
    const clientId = `${tag}-${i}`;
    const ack = await within(
      ACK_BOUND_MS,
      `${clientId} acked`,
      emitAck<{ message: Message }>(s, "message:send", { conversationId, clientId, body: clientId }),
    );
    assert.ok(ack.ok, JSON.stringify(ack));
    acked.push(ack.message);
  }
  return acked;
}

const statusOf = async (url: string, path: string) => (await fetch(`${url}${path}`)).status;

test("Redis killed while users on both instances send: both instances stay up and keep acking every send", async () => {
  const [ann, ben] = [await register(viaLimited()), await register(viaLimited())];
  const conversationId = await directWith(viaLimited(), ann, ben);
  const annOnA = await socketOn(a.url, ann.accessToken);
  const benOnB = await socketOn(b.url, ben.accessToken);
  const hintToBen = nextEvent<SyncHintEvent>(recorder(benOnB), "sync:hint");
  const annSends = keepSending(annOnA, conversationId, "ann");
  const benSends = keepSending(benOnB, conversationId, "ben");
  await Promise.all([annSends.more(20), benSends.more(20)]);

  // Broadcasts are waiting on Redis when it dies.
  await redis.kill();
  await within(
    ACK_BOUND_MS * 4,
    "both keep acking with Redis gone",
    Promise.all([annSends.more(30), benSends.more(30)]),
  );
  assert.equal(await statusOf(a.url, "/healthz"), 200);
  assert.equal(await statusOf(b.url, "/readyz"), 503, "readiness says Redis is down");

  await redis.start();
  await within(
    ACK_BOUND_MS * 4,
    "both keep acking once Redis is back",
    Promise.all([annSends.more(10), benSends.more(10)]),
  );
  await Promise.all([annSends.stop(), benSends.stop()]);
  assert.deepEqual([...annSends.refused, ...benSends.refused], []);
  await within(ACK_BOUND_MS * 4, "Ben is told to re-check once Redis is back", hintToBen);

  // Nothing died (an unhandled rejection used to kill the process here).
  for (const instance of [a, b]) {
    assert.equal(await Promise.race([instance.exited.then(() => "exited"), Promise.resolve("alive")]), "alive");
    assert.equal(await statusOf(instance.url, "/healthz"), 200);
  }
  // Every acked message is stored once.
  const stored = new Set<string>();
  for (let after = 0; ; ) {
    const page = await history(ann, conversationId, after);
    if (page.length === 0) break;
    for (const m of page) stored.add(m.clientId);
    after = page.at(-1)!.seq;
  }
  for (const m of [...annSends.acked, ...benSends.acked]) assert.ok(stored.has(m.clientId), m.clientId);
});

test("a recipient on the other instance sees every message sent while Redis was down, without another message being sent", async () => {
  const [cat, dan] = [await register(viaLimited()), await register(viaLimited())];
  const conversationId = await directWith(viaLimited(), cat, dan);
  const catOnA = await socketOn(a.url, cat.accessToken);
  const danOnB = await socketOn(b.url, dan.accessToken);
  const rDan = recorder(danOnB);
  const before = await emitAck<{ message: Message }>(catOnA, "message:send", {
    conversationId,
    clientId: "before",
    body: "before the outage",
  });
  assert.ok(before.ok);
  await rDan.waitFor<Message>("message:new", (m) => m.id === before.message.id);

  await redis.kill();
  const during = await sendEachWithin(catOnA, conversationId, "down", 5);
  // What the client re-checks with still answers (presence falls back to what the instance knows).
  const list = await fetch(`${b.url}/api/conversations`, { headers: dan.auth });
  assert.equal(list.status, 200);
  const listed = ((await list.json()) as ConversationsResponse).conversations.find((c) => c.id === conversationId);
  assert.equal(listed?.lastSeq, during.at(-1)!.seq);
  const hint = nextEvent<SyncHintEvent>(rDan, "sync:hint");
  await redis.start();
  // Nobody sends again: the hint (or the late event itself) is what brings them.
  await within(ACK_BOUND_MS * 4, "Dan is told to re-check", hint);
  const seen = await seenByRecipient(rDan, dan, conversationId);
  for (const m of during) assert.ok(seen.has(m.id), `Dan sees ${m.clientId}`);
});

test("a hung Redis (SIGSTOP) does not hang sends: acks come within the deadline, the rate limit still holds, and the other instance gets them once Redis answers", async () => {
  const [eve, fay] = [await register(viaLimited()), await register(viaLimited())];
  const conversationId = await directWith(viaLimited(), eve, fay);
  const eveOnA = await socketOn(a.url, eve.accessToken);
  const eveLimited = await socketOn(harnessOf(limited).url, eve.accessToken);
  const fayOnB = await socketOn(b.url, fay.accessToken);
  const rFay = recorder(fayOnB);

  redis.pause();
  try {
    const during = await sendEachWithin(eveOnA, conversationId, "hung", 3);
    // Typing may degrade, but it answers.
    await within(
      ACK_BOUND_MS,
      "typing answers with Redis hung",
      emitAck(eveOnA, "typing", { conversationId, typing: true }),
    );

    // A budget of 5/s, counted in this instance's memory while Redis does not answer.
    const burst = await within(
      ACK_BOUND_MS * 2,
      "a burst is answered with Redis hung",
      Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          emitAck(eveLimited, "message:send", { conversationId, clientId: `burst-${i}`, body: `burst ${i}` }),
        ),
      ),
    );
    const accepted = burst.filter((x) => x.ok).length;
    assert.ok(accepted >= 1 && accepted <= 6, `the per-user budget holds (${accepted} of 12 accepted)`);
    assert.ok(burst.some((x) => !x.ok && x.error.code === "rate_limited"));

    redis.resume();
    // Fay gets them live once Redis answers the queued publishes (or is told to re-check).
    const delivered = Promise.race([
      Promise.all(during.map((m) => rFay.waitFor<Message>("message:new", (x) => x.id === m.id))),
      rFay.waitFor<SyncHintEvent>("sync:hint"),
    ]);
    await within(ACK_BOUND_MS * 4, "what was sent during the hang reaches Fay", delivered);
    const seen = await seenByRecipient(rFay, fay, conversationId);
    for (const m of during) assert.ok(seen.has(m.id), `Fay sees ${m.clientId}`);
  } finally {
    redis.resume();
  }
});
