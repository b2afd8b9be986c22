// Web Push beyond one instance and one well-behaved push service: focus reported on one instance holds
// back pushes decided on another (Redis), and a push service that never answers costs a bounded queue
// and a deadline, never a send.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { createTestDatabase, type TestDatabase } from "@messenger/common/testing";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createPushSender } from "../src/push/sender.js";
import { createPushStore } from "../src/push/store.js";
import { loadVapidKeys } from "../src/push/vapid.js";
import {
  api,
  type Client,
  directWith,
  dropRedisKeys,
  emitAck,
  harnessOf,
  register,
  send,
  socketFor,
  type TestUser,
} from "./helpers.js";
import { type BrowserSubscription, type PushServiceStandIn, startPushService } from "./push-service.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `test-push-${randomBytes(5).toString("hex")}`;

let db: TestDatabase;
let service: PushServiceStandIn;
let a: FastifyInstance;
let b: FastifyInstance;
const sockets: Client[] = [];

const asHarness = (app: FastifyInstance) => harnessOf(app, sockets);
const socketOn = (app: FastifyInstance, token: string) => socketFor(asHarness(app), token);

async function startInstance(): Promise<FastifyInstance> {
  const config = loadConfig({
    DATABASE_URL: db.url,
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    REDIS_URL,
    REDIS_PREFIX: prefix,
    REGISTRATIONS_PER_HOUR: "100000",
    REGISTRATION: "open",
    PUSH_ALLOW_PRIVATE_ENDPOINTS: "true",
    PUSH_COLLAPSE_MS: "200",
    PUSH_TIMEOUT_MS: "500",
  });
  const app = await buildApp(config, { push: { agent: service.agent() } });
  await app.listen({ port: 0, host: "127.0.0.1" });
  return app;
}

async function subscribed(app: FastifyInstance, user: TestUser): Promise<BrowserSubscription> {
  const sub = service.subscribe();
  assert.equal((await api(asHarness(app), user, "POST", "/api/push/subscriptions", sub.json)).status, 201);
  return sub;
}

before(async () => {
  [db, service] = await Promise.all([createTestDatabase(), startPushService()]);
  a = await startInstance();
  b = await startInstance();
});

after(async () => {
  for (const s of sockets) s.disconnect();
  await a?.close();
  await b?.close();
  await service?.close();
  await db?.drop();
  await dropRedisKeys(REDIS_URL, prefix);
});

describe("two instances on one Redis", () => {
  test("both sign with the one VAPID key made on first start", async () => {
    const [ka, kb] = await Promise.all([
      api<{ publicKey: string }>(asHarness(a), null, "GET", "/api/push/key"),
      api<{ publicKey: string }>(asHarness(b), null, "GET", "/api/push/key"),
    ]);
    assert.equal(ka.body.publicKey, kb.body.publicKey);
  });

  test("a tab in front on one instance holds back the push a message on the other would send", async () => {
    const [alice, bob] = [await register(asHarness(a)), await register(asHarness(a))];
    const sub = await subscribed(a, bob);
    const conv = await directWith(asHarness(a), alice, bob);
    const bobOnA = await socketOn(a, bob.accessToken);
    const aliceOnB = await socketOn(b, alice.accessToken);
    assert.equal((await emitAck(bobOnA, "client:focus", { focused: true })).ok, true);
    await send(aliceOnB, conv, "seen live");
    await b.deps.push.settle();
    assert.equal(service.to(sub).length, 0);

    await emitAck(bobOnA, "client:focus", { focused: false });
    await send(aliceOnB, conv, "now pushed");
    const [push] = await service.waitFor(sub);
    assert.equal(push!.payload?.type === "message" && push!.payload.body, "now pushed");
  });
});

describe("a push service that never answers", () => {
  test("sends are acked as ever; each push gives up at its deadline and is counted as failed", async () => {
    const [alice, bob] = [await register(asHarness(a)), await register(asHarness(a))];
    const sub = await subscribed(a, bob);
    service.answer(sub, "hang");
    const conv = await directWith(asHarness(a), alice, bob);
    const aliceOnA = await socketOn(a, alice.accessToken);
    await send(aliceOnA, conv, "into the void");
    await service.waitFor(sub);
    // The push is stuck at the push service; the next sends are acked regardless.
    for (let i = 0; i < 3; i++) await send(aliceOnA, conv, `still sending ${i}`);
    await a.deps.push.settle();
    const metrics = await a.deps.metrics.registry.getSingleMetricAsString("chat_pushes_total");
    assert.match(metrics, /chat_pushes_total\{outcome="failed"\} [1-9]/);
    // Not gone: a slow push service is no reason to forget the device.
    assert.equal(await a.deps.push.store.countOf(bob.user.id), 1);
  });

  test("the queue is bounded: beyond it, pushes are dropped and counted, and nothing waits forever", async () => {
    const sub = service.subscribe();
    service.answer(sub, "hang");
    const outcomes: string[] = [];
    const sender = createPushSender({
      vapid: async () => vapid,
      agent: service.agent(),
      concurrency: 1,
      queueMax: 3,
      timeoutMs: 300,
      onGone: async () => {},
      onResult: (o) => outcomes.push(o),
      log: { warn: () => {} },
    });
    const vapid = await loadVapidKeys(createPushStore(a.deps.db), a.deps.config);
    for (let i = 0; i < 10; i++) {
      sender.enqueue({
        subscription: { endpoint: sub.json.endpoint, p256dh: sub.json.keys.p256dh, auth: sub.json.keys.auth },
        payload: { type: "test", tag: `t${i}`, title: "t", body: "b", url: "/" },
        ttl: 0,
        urgency: "normal",
      });
    }
    // One in flight, three waiting: six refused at once.
    assert.equal(outcomes.filter((o) => o === "dropped").length, 6);
    assert.equal(sender.size(), 4);
    await sender.idle();
    assert.deepEqual(
      outcomes.filter((o) => o !== "dropped"),
      ["failed", "failed", "failed", "failed"],
    );
    sender.close();
  });
});
