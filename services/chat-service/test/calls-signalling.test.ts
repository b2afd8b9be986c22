// 1:1 call signalling over real socket.io clients against the real chat-service and PostgreSQL.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type {
  CallAcceptedEvent,
  CallEndedEvent,
  CallIncomingEvent,
  CallSignalEvent,
  Message,
} from "@messenger/protocol";
import pg from "pg";
import { startCallHarness } from "./fixtures/call-page/harness.js";
import {
  api,
  type Client,
  directWith,
  emitAck,
  groupOf,
  type Harness,
  type Recorder,
  recorder,
  register,
  socketFor,
  type TestUser,
} from "./helpers.js";

// Most tests: timers long enough never to fire while a test is still acting, even on a loaded machine.
let h: Harness;
// The no-answer test: a short ring.
const RING_MS = 500;
let hRing: Harness;
// The disconnect test: a short grace.
let hGrace: Harness;
before(async () => {
  [h, hRing, hGrace] = await Promise.all([
    startCallHarness({ CALL_RING_TIMEOUT_MS: "60000", CALL_DISCONNECT_GRACE_MS: "30000" }),
    startCallHarness({ CALL_RING_TIMEOUT_MS: String(RING_MS), CALL_DISCONNECT_GRACE_MS: "30000" }),
    startCallHarness({ CALL_RING_TIMEOUT_MS: "60000", CALL_DISCONNECT_GRACE_MS: "200" }),
  ]);
});
after(() => Promise.all([h.close(), hRing.close(), hGrace.close()]));

interface Device {
  s: Client;
  r: Recorder;
}
/** chat_calls_total for one outcome (voice calls), as Prometheus scrapes it. */
async function callsCounted(outcome: string, on = h): Promise<number> {
  const body = (await on.app.inject({ url: "/metrics" })).body;
  const line = body.split("\n").find((l) => l.startsWith(`chat_calls_total{outcome="${outcome}",video="false"}`));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

async function device(u: TestUser, on = h): Promise<Device> {
  const s = await socketFor(on, u.accessToken);
  return { s, r: recorder(s) };
}

/** Two users in a direct conversation; the callee has two devices. */
async function pair(on = h) {
  const [a, b] = await Promise.all([register(on), register(on)]);
  const conversationId = await directWith(on, a, b);
  const [a1, b1, b2] = await Promise.all([device(a, on), device(b, on), device(b, on)]);
  return { a, b, conversationId, a1, b1, b2 };
}

const ok = (ack: { ok: boolean; error?: unknown }) => assert.equal(ack.ok, true, JSON.stringify(ack));
const refused = (ack: { ok: boolean; error?: { code: string } }, code = "call_not_found") => {
  assert.equal(ack.ok, false);
  assert.equal(ack.error?.code, code);
};
const callLog = (r: Recorder, callId: string) =>
  r.waitFor<Message>("message:new", (m) => m.kind === "call" && m.call?.callId === callId);

/** Rings b from a and answers on b1. */
async function connected(on = h) {
  const p = await pair(on);
  const callId = randomUUID();
  ok(await emitAck(p.a1.s, "call:invite", { callId, conversationId: p.conversationId, video: true }));
  await p.b1.r.waitFor("call:incoming");
  const ack = await emitAck<{ initiator: boolean }>(p.b1.s, "call:accept", { callId });
  ok(ack);
  await p.a1.r.waitFor("call:accepted");
  return { ...p, callId };
}

describe("1:1 calls", () => {
  test("invite rings every device of the callee; accepting on one stops the others; the caller initiates", async () => {
    const { a, b, conversationId, a1, b1, b2 } = await pair();
    const callId = randomUUID();
    ok(await emitAck(a1.s, "call:invite", { callId, conversationId, video: true }));
    for (const d of [b1, b2]) {
      const inc = await d.r.waitFor<CallIncomingEvent>("call:incoming");
      assert.equal(inc.callId, callId);
      assert.equal(inc.conversationId, conversationId);
      assert.equal(inc.video, true);
      assert.equal(inc.from.id, a.user.id);
      assert.equal(inc.from.displayName, a.user.displayName);
    }
    assert.equal(a1.r.of("call:incoming").length, 0);

    const ack = await emitAck<{ initiator: boolean }>(b1.s, "call:accept", { callId });
    ok(ack);
    assert.equal(ack.ok && ack.initiator, false, "the callee answers, it does not make the offer");
    const accepted = await a1.r.waitFor<CallAcceptedEvent>("call:accepted");
    assert.deepEqual(accepted, { callId, by: b.user.id, initiator: true });
    assert.deepEqual(await b2.r.waitFor<CallEndedEvent>("call:ended"), { callId, reason: "answered-elsewhere" });
    assert.equal(b1.r.of("call:ended").length, 0);
    // The second device is too late.
    refused(await emitAck(b2.s, "call:accept", { callId }));

    // Signals go to exactly the other participant's call socket, both ways.
    ok(await emitAck(a1.s, "call:signal", { callId, data: { type: "offer", sdp: "v=0 offer" } }));
    const sig = await b1.r.waitFor<CallSignalEvent>("call:signal");
    assert.deepEqual(sig, { callId, from: a.user.id, data: { type: "offer", sdp: "v=0 offer" } });
    ok(await emitAck(b1.s, "call:signal", { callId, data: { type: "answer", sdp: "v=0 answer" } }));
    const back = await a1.r.waitFor<CallSignalEvent>("call:signal");
    assert.deepEqual(back, { callId, from: b.user.id, data: { type: "answer", sdp: "v=0 answer" } });
    // The callee's other device may not signal into the call while the answering one is connected.
    refused(await emitAck(b2.s, "call:signal", { callId, data: { candidate: "x" } }));

    // Hang-up: the other side hears it; a call-log message lands in the conversation for everyone.
    ok(await emitAck(a1.s, "call:end", { callId }));
    assert.deepEqual(await b1.r.waitFor<CallEndedEvent>("call:ended"), { callId, reason: "hangup" });
    const log = await callLog(b2.r, callId);
    assert.equal(log.senderId, a.user.id);
    assert.equal(log.conversationId, conversationId);
    assert.equal(log.call?.outcome, "completed");
    assert.equal(log.call?.video, true);
    assert.ok((log.call?.durationMs ?? -1) >= 0);
    assert.ok(log.seq > 0);
    await callLog(a1.r, callId);

    assert.equal(b2.r.of("call:signal").length, 0, "the other device never saw a signal");
    assert.equal(a1.r.of("call:ended").length, 0, "the hanging-up socket gets the ack, not an event");
    // Over: nothing more goes through.
    refused(await emitAck(a1.s, "call:signal", { callId, data: { candidate: "late" } }));
    refused(await emitAck(b1.s, "call:end", { callId }));
  });

  test("decline tells the caller and stops the callee's other devices, and logs a declined call", async () => {
    const declinedBefore = await callsCounted("declined");
    const { conversationId, a1, b1, b2 } = await pair();
    const callId = randomUUID();
    ok(await emitAck(a1.s, "call:invite", { callId, conversationId, video: false }));
    await b2.r.waitFor("call:incoming");
    ok(await emitAck(b1.s, "call:decline", { callId }));
    assert.deepEqual(await a1.r.waitFor<CallEndedEvent>("call:ended"), { callId, reason: "declined" });
    assert.deepEqual(await b2.r.waitFor<CallEndedEvent>("call:ended"), { callId, reason: "declined" });
    const log = await callLog(a1.r, callId);
    assert.deepEqual(log.call, { callId, video: false, outcome: "declined", durationMs: 0 });
    assert.equal(await callsCounted("declined"), declinedBefore + 1, "operators see the outcome in /metrics");
    // The caller cannot decline, and a declined call cannot be accepted.
    refused(await emitAck(b2.s, "call:accept", { callId }));
  });

  test("the caller cancelling before an answer leaves a missed call", async () => {
    const { conversationId, a1, b1 } = await pair();
    const callId = randomUUID();
    ok(await emitAck(a1.s, "call:invite", { callId, conversationId, video: true }));
    await b1.r.waitFor("call:incoming");
    refused(await emitAck(a1.s, "call:decline", { callId }));
    ok(await emitAck(a1.s, "call:end", { callId }));
    assert.deepEqual(await b1.r.waitFor<CallEndedEvent>("call:ended"), { callId, reason: "cancelled" });
    assert.equal((await callLog(b1.r, callId)).call?.outcome, "missed");
  });

  test("a callee already in a call is busy: the caller hears busy, the callee's devices do not ring", async () => {
    const first = await connected();
    const c = await register(h);
    const c1 = await device(c);
    const conversationId = await directWith(h, c, first.b);
    const callId = randomUUID();
    ok(await emitAck(c1.s, "call:invite", { callId, conversationId, video: true }));
    assert.deepEqual(await c1.r.waitFor<CallEndedEvent>("call:ended"), { callId, reason: "busy" });
    const log = await callLog(c1.r, callId);
    assert.equal(log.call?.outcome, "busy");
    // The busy callee's devices got the log (it is their conversation) but never rang.
    await callLog(first.b1.r, callId);
    assert.equal(first.b1.r.of<CallIncomingEvent>("call:incoming").filter((e) => e.callId === callId).length, 0);
    assert.equal(first.b2.r.of<CallIncomingEvent>("call:incoming").filter((e) => e.callId === callId).length, 0);
    // And someone in a call cannot start another one.
    const d = await register(h);
    const other = await directWith(h, first.a, d);
    refused(
      await emitAck(first.a1.s, "call:invite", { callId: randomUUID(), conversationId: other, video: true }),
      "busy",
    );
    // After hanging up, b can be called again.
    ok(await emitAck(first.b1.s, "call:end", { callId: first.callId }));
    const retry = randomUUID();
    ok(await emitAck(c1.s, "call:invite", { callId: retry, conversationId, video: true }));
    await first.b2.r.waitFor<CallIncomingEvent>("call:incoming", (e) => e.callId === retry);
    ok(await emitAck(c1.s, "call:end", { callId: retry }));
  });

  test("nobody answering ends the call as no-answer for both sides and leaves a missed call", async () => {
    const { b, conversationId, a1, b1, b2 } = await pair(hRing);
    const callId = randomUUID();
    const started = Date.now();
    ok(await emitAck(a1.s, "call:invite", { callId, conversationId, video: true }));
    assert.deepEqual(await a1.r.waitFor<CallEndedEvent>("call:ended"), { callId, reason: "no-answer" });
    assert.ok(Date.now() - started >= RING_MS - 50, "not before the ring timeout");
    for (const d of [b1, b2]) assert.deepEqual(await d.r.waitFor("call:ended"), { callId, reason: "no-answer" });
    assert.deepEqual((await callLog(b1.r, callId)).call, { callId, video: true, outcome: "missed", durationMs: 0 });
    refused(await emitAck(b1.s, "call:accept", { callId }));
    // It stays in the history, where a device that was offline finds it.
    const history = await api<{ messages: Message[] }>(
      hRing,
      b,
      "GET",
      `/api/conversations/${conversationId}/messages`,
    );
    const logged = history.body.messages.filter((m) => m.kind === "call");
    assert.equal(logged.length, 1, "exactly one log per call");
    assert.equal(logged[0]!.body, "Missed video call");
    assert.equal(logged[0]!.call?.outcome, "missed");
  });

  test("a participant who stays disconnected past the grace ends the call as disconnected", async () => {
    const { a1, b1, callId } = await connected(hGrace);
    b1.s.disconnect();
    assert.deepEqual(await a1.r.waitFor<CallEndedEvent>("call:ended"), { callId, reason: "disconnected" });
    assert.equal((await callLog(a1.r, callId)).call?.outcome, "completed");
  });

  test("a non-participant is refused everything and nothing is relayed", async () => {
    const { a1, b1, b2, callId, conversationId } = await connected();
    const m = await register(h);
    const m1 = await device(m);
    for (const event of ["call:accept", "call:decline", "call:end"]) refused(await emitAck(m1.s, event, { callId }));
    refused(await emitAck(m1.s, "call:signal", { callId, data: { type: "offer", sdp: "evil" } }));
    // A stranger cannot ring into someone else's conversation either (it "does not exist" for them).
    refused(await emitAck(m1.s, "call:invite", { callId: randomUUID(), conversationId, video: true }), "not_found");
    // Barrier: a real signal after the refused ones; had anything been relayed it would have come first.
    ok(await emitAck(a1.s, "call:signal", { callId, data: { candidate: "real" } }));
    await b1.r.waitFor("call:signal");
    assert.deepEqual(
      b1.r.of<CallSignalEvent>("call:signal").map((e) => e.data),
      [{ candidate: "real" }],
    );
    assert.equal(a1.r.of("call:signal").length, 0);
    assert.equal(b2.r.of("call:signal").length, 0);
    assert.equal(a1.r.of("call:ended").length + b1.r.of("call:ended").length, 0, "the call goes on");
    ok(await emitAck(a1.s, "call:end", { callId }));
  });

  test("calls are for direct conversations, with a fresh id and a valid payload", async () => {
    const [a, b, c] = await Promise.all([register(h), register(h), register(h)]);
    const group = await groupOf(h, a, [b, c]);
    const a1 = await device(a);
    refused(
      await emitAck(a1.s, "call:invite", { callId: randomUUID(), conversationId: group, video: true }),
      "not_direct",
    );
    refused(
      await emitAck(a1.s, "call:invite", { callId: "not-a-uuid", conversationId: group, video: true }),
      "bad_request",
    );
    refused(
      await emitAck(a1.s, "call:signal", { callId: randomUUID(), data: { blob: "x".repeat(70 * 1024) } }),
      "bad_request",
    );
    const dm = await directWith(h, a, b);
    await device(b);
    const callId = randomUUID();
    ok(await emitAck(a1.s, "call:invite", { callId, conversationId: dm, video: true }));
    ok(await emitAck(a1.s, "call:end", { callId }));
    refused(await emitAck(a1.s, "call:invite", { callId, conversationId: dm, video: true }), "conflict");
  });

  test("calling someone with no connected device ends at once as offline: a missed call for both", async () => {
    const [a, b] = await Promise.all([register(h), register(h)]);
    const conversationId = await directWith(h, a, b);
    const a1 = await device(a);
    const missedBefore = await callsCounted("missed");
    const callId = randomUUID();
    const logged = callLog(a1.r, callId);
    ok(await emitAck(a1.s, "call:invite", { callId, conversationId, video: false }));
    assert.deepEqual(await a1.r.waitFor<CallEndedEvent>("call:ended"), { callId, reason: "offline" });
    const log = await logged;
    assert.equal(log.call?.outcome, "missed");
    assert.equal(log.body, "Missed voice call");
    assert.equal(await callsCounted("missed"), missedBefore + 1);
    // Nobody is left "busy": B, back online, can be called at once.
    const b1 = await device(b);
    const next = randomUUID();
    ok(await emitAck(a1.s, "call:invite", { callId: next, conversationId, video: false }));
    assert.equal((await b1.r.waitFor<CallIncomingEvent>("call:incoming")).callId, next);
    ok(await emitAck(a1.s, "call:end", { callId: next }));
    // B's newly connected device does not ring for the call that never rang.
    assert.ok(b1.r.of<CallIncomingEvent>("call:incoming").every((e) => e.callId === next));
  });

  test("a side that cannot connect ends the call as failed: the other side and the log say so", async () => {
    const { a1, b1, callId } = await connected();
    const logged = callLog(a1.r, callId);
    ok(await emitAck(b1.s, "call:end", { callId, reason: "failed" }));
    assert.deepEqual(await a1.r.waitFor<CallEndedEvent>("call:ended"), { callId, reason: "failed" });
    const log = await logged;
    assert.equal(log.call?.outcome, "failed");
    assert.equal(log.body, "Video call failed");
    refused(await emitAck(b1.s, "call:end", { callId: randomUUID(), reason: "gone" }), "bad_request");
  });

  test("a device that connects while a call rings for its user rings too", async () => {
    const { b, conversationId, a1 } = await pair();
    const callId = randomUUID();
    ok(await emitAck(a1.s, "call:invite", { callId, conversationId, video: false }));
    const late = await device(b);
    const inc = await late.r.waitFor<CallIncomingEvent>("call:incoming");
    assert.equal(inc.callId, callId);
    ok(await emitAck(late.s, "call:accept", { callId }));
    await a1.r.waitFor("call:accepted");
    ok(await emitAck(late.s, "call:end", { callId }));
  });

  test("after a dropped connection, the participant's reconnected device takes the call over within the grace", async () => {
    const { b, a1, b1, callId } = await connected();
    const b3 = await device(b);
    const droppedId = b1.s.id!;
    b1.s.disconnect();
    // Wait until the server has seen the old socket go (a condition, not a delay).
    while ((await h.app.io.in(droppedId).fetchSockets()).length > 0) await new Promise((r) => setImmediate(r));
    ok(await emitAck(b3.s, "call:signal", { callId, data: { type: "renegotiate" } }));
    assert.deepEqual((await a1.r.waitFor<CallSignalEvent>("call:signal")).data, { type: "renegotiate" });
    ok(await emitAck(a1.s, "call:signal", { callId, data: { candidate: "to-the-new-device" } }));
    assert.deepEqual((await b3.r.waitFor<CallSignalEvent>("call:signal")).data, { candidate: "to-the-new-device" });
    ok(await emitAck(b3.s, "call:end", { callId }));
    assert.deepEqual(await a1.r.waitFor<CallEndedEvent>("call:ended"), { callId, reason: "hangup" });
    assert.equal((await callLog(a1.r, callId)).call?.outcome, "completed");
  });

  test("a call left behind by a crashed server keeps nobody busy", async () => {
    const { a, b, conversationId, a1, b1 } = await pair();
    // What a crashed instance leaves: a live call bound to sockets nobody holds any more.
    const ghost = randomUUID();
    const db = new pg.Client({ connectionString: h.db.url });
    await db.connect();
    await db.query(
      `INSERT INTO calls (id, conversation_id, caller_id, callee_id, video, state, caller_socket, callee_socket, answered_at)
       VALUES ($1, $2, $3, $4, true, 'active', 'gone-1', 'gone-2', now())`,
      [ghost, conversationId, a.user.id, b.user.id],
    );
    await db.query("INSERT INTO call_participants (user_id, call_id) VALUES ($1, $3), ($2, $3)", [
      a.user.id,
      b.user.id,
      ghost,
    ]);
    await db.end();

    const callId = randomUUID();
    ok(await emitAck(a1.s, "call:invite", { callId, conversationId, video: true }));
    await b1.r.waitFor<CallIncomingEvent>("call:incoming", (e) => e.callId === callId);
    // The ghost was closed (and logged) on the way.
    assert.equal((await callLog(b1.r, ghost)).call?.outcome, "completed");
    ok(await emitAck(a1.s, "call:end", { callId }));
  });
});
