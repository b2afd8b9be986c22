// Web Push end to end against a push service stand-in on loopback (push-service.ts): real PostgreSQL,
// real socket.io clients, real web-push encryption and VAPID signing; the stand-in decrypts with the
// keys the test made as a browser would.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { eventually } from "@messenger/common/testing";
import type { PushKeyResponse, PushPayload } from "@messenger/protocol";
import { checkEndpoint } from "../src/push/endpoint.js";
import {
  api,
  directWith,
  emitAck,
  groupOf,
  type Harness,
  register,
  send,
  signInAgain,
  socketFor,
  startHarness,
  type TestUser,
} from "./helpers.js";
import { type BrowserSubscription, type PushServiceStandIn, startPushService } from "./push-service.js";

describe("web push", () => {
  let h: Harness;
  let service: PushServiceStandIn;

  before(async () => {
    service = await startPushService();
    h = await startHarness(
      // Groups of 3 or more keep read positions as big conversations do (one positions row).
      { PUSH_ALLOW_PRIVATE_ENDPOINTS: "true", PUSH_COLLAPSE_MS: "400", BIG_CONVERSATION_MEMBERS: "2" },
      { build: { push: { agent: service.agent() } } },
    );
  });
  after(async () => {
    await h?.close();
    await service?.close();
  });

  const settle = () => h.app.deps.push.settle();
  const payloads = (sub: BrowserSubscription) => service.to(sub).map((r) => r.payload as PushPayload);

  async function subscribed(user: TestUser): Promise<BrowserSubscription> {
    const sub = service.subscribe();
    const r = await api(h, user, "POST", "/api/push/subscriptions", { ...sub.json, lang: "en" });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return sub;
  }

  test("a DM to a user with no tab open is pushed once: signed for this push service, readable only with the device's keys", async () => {
    const [alice, bob] = [await register(h), await register(h)];
    const sub = await subscribed(bob);
    const conv = await directWith(h, alice, bob);
    const aliceSocket = await socketFor(h, alice.accessToken);
    await send(aliceSocket, conv, "Lunch at 1?");

    const [push] = await service.waitFor(sub);
    const { body: key } = await api<PushKeyResponse>(h, null, "GET", "/api/push/key");
    assert.equal(push!.signatureValid, true);
    assert.equal(push!.vapidKey, key.publicKey);
    assert.equal(push!.claims.aud, service.origin);
    assert.ok(push!.claims.exp! > Date.now() / 1000 && push!.claims.exp! <= Date.now() / 1000 + 24 * 3600);
    assert.match(push!.claims.sub!, /^(mailto:|https:)/);
    assert.equal(push!.headers["content-encoding"], "aes128gcm");
    assert.deepEqual(push!.payload, {
      type: "message",
      tag: `conv:${conv}`,
      conversationId: conv,
      title: alice.user.displayName,
      body: "Lunch at 1?",
      count: 1,
      url: `/#/c/${conv}`,
      badge: 1,
    });
    await settle();
    assert.equal(service.to(sub).length, 1);
    // The sender's own devices are never pushed their own message.
    assert.equal(
      service.received.filter((r) => r.payload?.type === "message" && r.subscriptionId !== sub.id).length,
      0,
    );
  });

  test("a message to a user with a tab in the foreground is not pushed; once it is in the background, it is", async () => {
    const [alice, bob] = [await register(h), await register(h)];
    const sub = await subscribed(bob);
    const conv = await directWith(h, alice, bob);
    const [aliceSocket, bobSocket] = [await socketFor(h, alice.accessToken), await socketFor(h, bob.accessToken)];
    assert.deepEqual(await emitAck(bobSocket, "client:focus", { focused: true }), { ok: true });
    await send(aliceSocket, conv, "you there?");
    await settle();
    assert.equal(service.to(sub).length, 0);

    await emitAck(bobSocket, "client:focus", { focused: false });
    await send(aliceSocket, conv, "ping");
    const [push] = await service.waitFor(sub);
    assert.equal(push!.payload?.type === "message" && push!.payload.body, "ping");
  });

  test("a focused tab that goes away stops counting", async () => {
    const [alice, bob] = [await register(h), await register(h)];
    const sub = await subscribed(bob);
    const conv = await directWith(h, alice, bob);
    const aliceSocket = await socketFor(h, alice.accessToken);
    const bobSocket = await socketFor(h, bob.accessToken);
    await emitAck(bobSocket, "client:focus", { focused: true });
    bobSocket.disconnect();
    await eventually(
      "bob's socket forgotten",
      async () => (await h.app.deps.push.focus.focusedAmong([bob.user.id])).size === 0,
    );
    await send(aliceSocket, conv, "after you left");
    await service.waitFor(sub);
  });

  test("do-not-disturb holds back message and call pushes until it ends", async () => {
    const [alice, bob] = [await register(h), await register(h)];
    const sub = await subscribed(bob);
    const conv = await directWith(h, alice, bob);
    const aliceSocket = await socketFor(h, alice.accessToken);
    const dndUntil = new Date(Date.now() + 3600_000).toISOString();
    assert.equal((await api(h, bob, "PATCH", "/api/me", { dndUntil })).status, 200);
    await send(aliceSocket, conv, "quiet please");
    const callId = randomUUID();
    assert.equal((await emitAck(aliceSocket, "call:invite", { callId, conversationId: conv, video: false })).ok, true);
    await emitAck(aliceSocket, "call:end", { callId });
    await settle();
    assert.deepEqual(payloads(sub), []);

    assert.equal((await api(h, bob, "PATCH", "/api/me", { dndUntil: null })).status, 200);
    await send(aliceSocket, conv, "awake now");
    await eventually("a push after DND", () => payloads(sub).some((p) => p.type === "message"));
    assert.equal(payloads(sub).find((p) => p.type === "message")?.tag, `conv:${conv}`);
    // Nothing rang, so nothing was closed either (a closing push would make the browser show one).
    assert.equal(payloads(sub).filter((p) => p.type === "close").length, 0);
  });

  test("client:focus is validated", async () => {
    const bob = await register(h);
    const s = await socketFor(h, bob.accessToken);
    const ack = await emitAck(s, "client:focus", { focused: "yes" });
    assert.equal(ack.ok, false);
    assert.equal(!ack.ok && ack.error.code, "bad_request");
  });

  test("five messages in a second give one notification per conversation", async () => {
    const [alice, bob, carol] = [await register(h), await register(h), await register(h)];
    const sub = await subscribed(bob);
    const dm = await directWith(h, alice, bob);
    const group = await groupOf(h, alice, [bob, carol], "Ops");
    const aliceSocket = await socketFor(h, alice.accessToken);
    for (let i = 1; i <= 5; i++) {
      await Promise.all([send(aliceSocket, dm, `dm ${i}`), send(aliceSocket, group, `group ${i}`)]);
    }
    await settle();
    const got = payloads(sub);
    assert.equal(got.length, 2, JSON.stringify(got));
    const byTag = new Map(got.map((p) => [p.tag, p]));
    const dmPush = byTag.get(`conv:${dm}`);
    const groupPush = byTag.get(`conv:${group}`);
    assert.ok(dmPush?.type === "message" && groupPush?.type === "message");
    assert.equal(dmPush.count, 5);
    assert.equal(dmPush.body, "dm 5");
    assert.equal(dmPush.title, `${alice.user.displayName} (5)`);
    assert.equal(groupPush.title, `${alice.user.displayName} · Ops (5)`);
    assert.equal(groupPush.badge, 10);
  });

  test("reading on one device closes the notification on the others", async () => {
    const [alice, bob] = [await register(h), await register(h)];
    const sub = await subscribed(bob);
    const conv = await directWith(h, alice, bob);
    const aliceSocket = await socketFor(h, alice.accessToken);
    const m = await send(aliceSocket, conv, "read me");
    await service.waitFor(sub);
    const bobSocket = await socketFor(h, bob.accessToken);
    assert.equal((await emitAck(bobSocket, "conversation:read", { conversationId: conv, seq: m.seq })).ok, true);
    const [, close] = await service.waitFor(sub, 2);
    assert.deepEqual(close!.payload, { type: "close", tag: `conv:${conv}`, badge: 0 });
    // Reading again closes nothing more: the notification is gone.
    await emitAck(bobSocket, "conversation:read", { conversationId: conv, seq: m.seq });
    await settle();
    assert.equal(service.to(sub).length, 2);
  });

  test("in a big conversation too, reading closes the notification and the badge counts what is left", async () => {
    const [alice, bob, carol] = [await register(h), await register(h), await register(h)];
    const sub = await subscribed(bob);
    const group = await groupOf(h, alice, [bob, carol], "Big");
    const dm = await directWith(h, alice, bob);
    const aliceSocket = await socketFor(h, alice.accessToken);
    await send(aliceSocket, dm, "unread dm");
    await service.waitFor(sub);
    const m = await send(aliceSocket, group, "big news");
    const [, pushed] = await service.waitFor(sub, 2);
    assert.equal(pushed!.payload?.type === "message" && pushed!.payload.badge, 2);
    const bobSocket = await socketFor(h, bob.accessToken);
    await emitAck(bobSocket, "conversation:read", { conversationId: group, seq: m.seq });
    const [, , close] = await service.waitFor(sub, 3);
    assert.deepEqual(close!.payload, { type: "close", tag: `conv:${group}`, badge: 1 });
  });

  test("in a big group only messages that name me push by default (level mentions); a DM always does", async () => {
    const alice = await register(h);
    const bob = await register(h);
    const others = await Promise.all(Array.from({ length: 10 }, () => register(h)));
    const sub = await subscribed(bob);
    const group = await groupOf(h, alice, [bob, ...others], "All hands");
    const dm = await directWith(h, alice, bob);
    const aliceSocket = await socketFor(h, alice.accessToken);
    await send(aliceSocket, group, "reminder: all hands at 4");
    await send(aliceSocket, dm, "see you there");
    await settle();
    assert.deepEqual(
      payloads(sub).map((p) => p.tag),
      [`conv:${dm}`],
    );
  });

  test("a member's settings decide: `none` pushes nothing, muted only what mentions me, `mentions` @channel", async () => {
    const [alice, bob] = [await register(h), await register(h, `bob.${randomUUID().slice(0, 6)}`)];
    const sub = await subscribed(bob);
    const quiet = await groupOf(h, alice, [bob], "Quiet");
    const muted = await groupOf(h, alice, [bob], "Muted");
    const picky = await groupOf(h, alice, [bob], "Picky");
    const put = (conv: string, body: object) =>
      api(h, bob, "PUT", `/api/conversations/${conv}/notifications`, body).then((r) => assert.equal(r.status, 200));
    await put(quiet, { level: "none", muted: false });
    await put(muted, { level: "all", muted: true });
    await put(picky, { level: "mentions", muted: false });
    const aliceSocket = await socketFor(h, alice.accessToken);
    await send(aliceSocket, quiet, `@${bob.user.username} even this?`);
    await send(aliceSocket, muted, "nothing to see");
    await send(aliceSocket, picky, "nor here");
    await settle();
    assert.deepEqual(payloads(sub), []);
    await send(aliceSocket, muted, `@${bob.user.username} this one`);
    await send(aliceSocket, picky, "@channel and this");
    await settle();
    assert.deepEqual(
      payloads(sub)
        .map((p) => p.tag)
        .sort(),
      [`conv:${muted}`, `conv:${picky}`].sort(),
    );
  });

  test("a push service answering 410 removes the subscription; nothing more is sent to it", async () => {
    const [alice, bob] = [await register(h), await register(h)];
    const sub = await subscribed(bob);
    service.answer(sub, 410);
    const conv = await directWith(h, alice, bob);
    const aliceSocket = await socketFor(h, alice.accessToken);
    await send(aliceSocket, conv, "one");
    await service.waitFor(sub);
    await settle();
    assert.equal(await h.app.deps.push.store.countOf(bob.user.id), 0);
    await send(aliceSocket, conv, "two");
    await settle();
    assert.equal(service.to(sub).length, 1);
  });

  test("a device that logged out is not pushed; one signed in elsewhere still is", async () => {
    const [alice, bob] = [await register(h), await register(h)];
    const bobPhone = await signInAgain(h, bob);
    const laptop = await subscribed(bob);
    const phone = await subscribed(bobPhone);
    assert.equal((await api(h, bob, "POST", "/api/auth/logout", { refreshToken: bob.refreshToken })).status, 204);
    const conv = await directWith(h, alice, bobPhone);
    await send(await socketFor(h, alice.accessToken), conv, "hello phone");
    await service.waitFor(phone);
    await settle();
    assert.equal(service.to(laptop).length, 0);
  });

  test("a ringing call pushes 'is calling' with the call's tag; its end closes it", async () => {
    const [alice, bob] = [await register(h), await register(h)];
    const sub = await subscribed(bob);
    const conv = await directWith(h, alice, bob);
    const aliceSocket = await socketFor(h, alice.accessToken);
    const callId = randomUUID();
    assert.equal((await emitAck(aliceSocket, "call:invite", { callId, conversationId: conv, video: false })).ok, true);
    const [ring] = await service.waitFor(sub);
    assert.deepEqual(ring!.payload, {
      type: "call",
      tag: `call:${callId}`,
      conversationId: conv,
      callId,
      title: `${alice.user.displayName} is calling`,
      body: "Tap to answer",
      url: `/#/c/${conv}`,
    });
    assert.equal(ring!.headers.urgency, "high");
    assert.equal((await emitAck(aliceSocket, "call:end", { callId })).ok, true);
    const got = await service.waitFor(sub, 2);
    assert.ok(got.some((r) => r.payload?.type === "close" && r.payload.tag === `call:${callId}`));
  });

  test("subscriptions: validated, one per device, removed per device; a test push reaches each device", async () => {
    const bob = await register(h);
    const sub = service.subscribe();
    for (const bad of [
      { ...sub.json, endpoint: "http://push.example.com/x" },
      { ...sub.json, keys: { p256dh: "short", auth: sub.json.keys.auth } },
      { endpoint: sub.json.endpoint },
    ]) {
      const r = await api<{ error: { code: string } }>(h, bob, "POST", "/api/push/subscriptions", bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(r.body.error.code, "bad_request");
    }
    assert.equal((await api(h, null, "POST", "/api/push/subscriptions", sub.json)).status, 401);
    // The same device subscribing again stays one subscription.
    await api(h, bob, "POST", "/api/push/subscriptions", sub.json);
    await api(h, bob, "POST", "/api/push/subscriptions", sub.json);
    assert.equal(await h.app.deps.push.store.countOf(bob.user.id), 1);

    const t = await api<{ sent: number }>(h, bob, "POST", "/api/push/test");
    assert.equal(t.body.sent, 1);
    const [test] = await service.waitFor(sub);
    assert.equal(test!.payload?.type, "test");

    // Someone else's device cannot be removed (404, as for one that never existed).
    const eve = await register(h);
    assert.equal((await api(h, eve, "DELETE", "/api/push/subscriptions", { endpoint: sub.json.endpoint })).status, 404);
    assert.equal((await api(h, bob, "DELETE", "/api/push/subscriptions", { endpoint: sub.json.endpoint })).status, 204);
    assert.equal(await h.app.deps.push.store.countOf(bob.user.id), 0);
  });
});

test("push endpoints must be public https hosts unless the test setting allows loopback", () => {
  for (const bad of [
    "http://fcm.googleapis.com/fcm/send/x",
    "https://127.0.0.1:8443/x",
    "https://localhost/x",
    "https://10.1.2.3/x",
    "https://192.168.0.10/x",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/x",
    "https://[::ffff:127.0.0.1]/x",
    "https://user:pw@fcm.googleapis.com/x",
  ]) {
    assert.throws(() => checkEndpoint(bad, false), /endpoint/, bad);
  }
  assert.equal(
    checkEndpoint("https://fcm.googleapis.com/fcm/send/abc", false),
    "https://fcm.googleapis.com/fcm/send/abc",
  );
  assert.equal(checkEndpoint("https://127.0.0.1:8443/x", true), "https://127.0.0.1:8443/x");
});
