import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import type { Message } from "@messenger/protocol";
import { api, emitAck, groupOf, type Harness, recorder, register, send, socketFor, startHarness } from "./helpers.js";

let h: Harness;
before(async () => {
  h = await startHarness({ SEND_RATE_PER_SECOND: "20", LOGIN_ATTEMPTS_PER_MINUTE: "3" });
});
after(async () => {
  await h.close();
});

test("a battery of malformed socket payloads gets error acks while the service keeps serving", async () => {
  const alice = await register(h);
  const bob = await register(h);
  const conv = await groupOf(h, alice, [bob]);
  const sa = await socketFor(h, alice.accessToken);
  const sb = await socketFor(h, bob.accessToken);
  const rb = recorder(sb);
  const m = await send(sa, conv, "original");

  const long = "x".repeat(4001);
  const cases: [string, unknown][] = [
    ["message:send", undefined],
    ["message:send", null],
    ["message:send", "hello"],
    ["message:send", 42],
    ["message:send", [conv, "id", "body"]],
    ["message:send", {}],
    ["message:send", { conversationId: "not-a-uuid", clientId: "c", body: "hi" }],
    ["message:send", { conversationId: conv, clientId: "", body: "hi" }],
    ["message:send", { conversationId: conv, clientId: "c".repeat(65), body: "hi" }],
    ["message:send", { conversationId: conv, clientId: "c1", body: "" }],
    ["message:send", { conversationId: conv, clientId: "c2", body: "   " }],
    ["message:send", { conversationId: conv, clientId: "c3", body: long }],
    ["message:send", { conversationId: conv, clientId: "c4", body: 123 }],
    ["message:send", { conversationId: conv, clientId: "c5", body: { $gt: "" } }],
    ["message:send", { conversationId: conv, clientId: "c6", body: "hi", attachmentIds: "all" }],
    ["message:send", { conversationId: conv, clientId: "c7", body: "hi", attachmentIds: [randomUUID()] }],
    ["message:send", { conversationId: conv, clientId: "c8", body: "hi", replyToId: randomUUID() }],
    ["message:send", { conversationId: conv, clientId: "c9", body: "hi", replyToId: "nope" }],
    ["message:edit", { messageId: m.id, body: "" }],
    ["message:edit", { messageId: m.id, body: long }],
    ["message:edit", { messageId: randomUUID(), body: "x" }],
    ["message:delete", { messageId: 1 }],
    ["message:react", { messageId: m.id, emoji: "", on: true }],
    ["message:react", { messageId: m.id, emoji: "👍", on: "yes" }],
    ["conversation:read", { conversationId: conv, seq: -1 }],
    ["conversation:read", { conversationId: conv, seq: 1.5 }],
    ["conversation:read", { conversationId: conv, seq: "3" }],
    ["conversation:delivered", { conversationId: conv }],
    ["typing", { conversationId: conv, typing: "yes" }],
    ["typing", "typing"],
    ["no:such:event", { a: 1 }],
  ];
  for (const [event, payload] of cases) {
    if (event === "no:such:event") {
      // Unknown events are ignored (no ack); the connection stays up.
      (sa.emit as (e: string, p: unknown) => void)(event, payload);
      continue;
    }
    const ack = await emitAck(sa, event, payload);
    assert.equal(ack.ok, false, `${event} ${JSON.stringify(payload)?.slice(0, 60)} must be refused`);
    if (!ack.ok) {
      assert.ok(
        ["bad_request", "not_found", "invalid_attachment", "too_long"].includes(ack.error.code),
        `${event}: ${ack.error.code}`,
      );
      assert.equal(typeof ack.error.message, "string");
    }
  }
  // No ack callback at all, and a payload with an ack in place of the payload: must not crash.
  (sa.emit as (e: string, ...a: unknown[]) => void)("message:send", {
    conversationId: conv,
    clientId: "noack",
    body: "x",
  });
  (sa.emit as (e: string, ...a: unknown[]) => void)("message:send");
  const noPayload = await new Promise<{ ok: boolean }>((resolve) =>
    (sa.emit as (e: string, ...a: unknown[]) => void)("conversation:read", resolve),
  );
  assert.equal(noPayload.ok, false);

  // A body of exactly 4000 characters is fine, and the service still serves everyone.
  const max = await send(sa, conv, "y".repeat(4000));
  await rb.waitFor<Message>("message:new", (x) => x.id === max.id);
  assert.ok(sa.connected && sb.connected);
  assert.equal((await api(h, alice, "GET", "/api/me")).status, 200);
  const page = await api<{ messages: Message[] }>(h, alice, "GET", `/api/conversations/${conv}/messages`);
  // Only the two good sends (and the send without an ack callback, which was valid) are stored.
  assert.deepEqual(
    page.body.messages.map((x) => x.id).filter((id) => id !== m.id && id !== max.id),
    page.body.messages.filter((x) => x.clientId === "noack").map((x) => x.id),
    "nothing malformed was stored",
  );
});

test("message:send is rate limited per user with rate_limited acks", async () => {
  const alice = await register(h);
  const bob = await register(h);
  const conv = await groupOf(h, alice, [bob]);
  const sa = await socketFor(h, alice.accessToken);
  const sb = await socketFor(h, bob.accessToken);
  const acks = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      emitAck(sa, "message:send", { conversationId: conv, clientId: `burst-${i}`, body: `b${i}` }),
    ),
  );
  const limited = acks.filter((a) => !a.ok && a.error.code === "rate_limited");
  assert.ok(limited.length >= 20 - 1, `at most ~20 per second get through (${limited.length} limited)`);
  // Another user is unaffected.
  await send(sb, conv, "I can still talk");
});

test("malformed REST input gets 400/401/404/413 with an error body", async () => {
  const alice = await register(h);
  const cases: [string, string, unknown, number][] = [
    ["POST", "/api/auth/register", { username: "A!", password: "password1" }, 400],
    ["POST", "/api/auth/register", { username: "ok.name", password: "short" }, 400],
    ["POST", "/api/auth/register", { username: "x".repeat(33), password: "password1" }, 400],
    ["POST", "/api/auth/register", "not json at all", 400],
    ["POST", "/api/auth/login", {}, 400],
    ["POST", "/api/auth/refresh", { refreshToken: 5 }, 400],
    ["POST", "/api/conversations", { kind: "channel" }, 400],
    ["POST", "/api/conversations", { kind: "direct", userId: "bob" }, 400],
    ["POST", "/api/conversations", { kind: "direct", userId: randomUUID() }, 404],
    ["POST", "/api/conversations", { kind: "group", title: "", memberIds: [] }, 400],
    ["POST", "/api/conversations", { kind: "group", title: "t", memberIds: [randomUUID()] }, 400],
    ["GET", "/api/conversations/not-a-uuid", undefined, 400],
    ["GET", `/api/conversations/${randomUUID()}`, undefined, 404],
    ["GET", `/api/users?q=${"x".repeat(65)}`, undefined, 400],
    ["GET", "/api/nope", undefined, 404],
    ["POST", "/api/conversations", { kind: "group", title: "x".repeat(70_000), memberIds: [] }, 413],
  ];
  for (const [method, url, payload, status] of cases) {
    const res = await h.app.inject({
      method: method as "GET" | "POST",
      url,
      headers: { ...alice.auth, ...(typeof payload === "string" ? { "content-type": "application/json" } : {}) },
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
    assert.equal(res.statusCode, status, `${method} ${url.slice(0, 60)} → ${res.body.slice(0, 200)}`);
    const body = res.json();
    assert.equal(typeof body.error.code, "string");
    assert.equal(typeof body.error.message, "string");
  }
  assert.equal((await api(h, null, "GET", "/api/conversations")).status, 401);
  const wrongAuth = await h.app.inject({ url: "/api/me", headers: { authorization: "Basic abc" } });
  assert.equal(wrongAuth.statusCode, 401);
});
