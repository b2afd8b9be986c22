// Group meetings on the built-in mesh call (no JITSI_DOMAIN): state, joining, the size cap,
// signalling between participants only, and the end with its call log — real PostgreSQL and
// real socket.io clients.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type {
  MeetingJoinResponse,
  MeetingSignalEvent,
  MeetingStartedEvent,
  MeetingStateResponse,
  MeetingUpdatedEvent,
  Message,
} from "@messenger/protocol";
import {
  api,
  type Client,
  directWith,
  emitAck,
  groupOf,
  type Harness,
  nextEvent,
  type Recorder,
  recorder,
  register,
  socketFor,
  startHarness,
  type TestUser,
} from "./helpers.js";

let h: Harness;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let dave: TestUser;
let mallory: TestUser;

before(async () => {
  // No JITSI_DOMAIN: the embedded default.
  h = await startHarness({ MESH_MAX_PARTICIPANTS: "3", CALL_DISCONNECT_GRACE_MS: "300" });
  [alice, bob, carol, dave, mallory] = await Promise.all([
    register(h),
    register(h),
    register(h),
    register(h),
    register(h),
  ]);
});
after(() => h.close());

interface Device {
  user: TestUser;
  socket: Client;
  rec: Recorder;
}
async function device(user: TestUser): Promise<Device> {
  const socket = await socketFor(h, user.accessToken);
  return { user, socket, rec: recorder(socket) };
}
const join = (d: Device, group: string) =>
  api<MeetingJoinResponse>(h, d.user, "POST", `/api/conversations/${group}/meeting`, { socketId: d.socket.id });
const stateOf = (u: TestUser, group: string) =>
  api<MeetingStateResponse>(h, u, "GET", `/api/conversations/${group}/meeting`);

describe("mesh meetings (no Jitsi configured)", () => {
  test("members see the meeting state, strangers get 404; nothing points at a public Jitsi", async () => {
    const group = await groupOf(h, alice, [bob, carol], "State");
    const [a, b] = await Promise.all([device(alice), device(bob)]);
    const none = await stateOf(bob, group);
    assert.equal(none.status, 200);
    assert.deepEqual(none.body, { meeting: null, provider: "mesh", maxParticipants: 3 });
    assert.equal((await stateOf(mallory, group)).status, 404);

    const started = await join(a, group);
    assert.equal(started.status, 201);
    assert.equal(started.body.provider, "mesh");
    assert.ok(!JSON.stringify(started.body).includes("jit.si"));
    const meetingId = started.body.meeting.id;
    const e = await b.rec.waitFor<MeetingStartedEvent>("meeting:started");
    assert.deepEqual(e, { conversationId: group, startedBy: alice.user.id, provider: "mesh", meetingId });

    // A member who reloads (a new GET) sees it running, with who is in it.
    const seen = await stateOf(bob, group);
    assert.equal(seen.body.meeting?.id, meetingId);
    assert.equal(seen.body.meeting?.provider, "mesh");
    assert.equal(seen.body.meeting?.startedBy, alice.user.id);
    assert.deepEqual(seen.body.meeting?.participantIds, [alice.user.id]);
    assert.ok(Date.parse(seen.body.meeting?.startedAt ?? "") <= Date.now());

    // Strangers can neither see, join nor leave it.
    assert.equal((await stateOf(mallory, group)).status, 404);
    const m = await device(mallory);
    assert.equal((await join(m, group)).status, 404);
    const left = await emitAck(m.socket, "meeting:leave", { meetingId });
    assert.equal(left.ok, false);
    assert.equal((await stateOf(alice, group)).body.meeting?.participantIds.length, 1);
    assert.equal(m.rec.of("meeting:started").length + m.rec.of("meeting:updated").length, 0);

    const bye = await emitAck(a.socket, "meeting:leave", { meetingId });
    assert.equal(bye.ok, true);
  });

  test("joining needs one's own connected socket, and is for groups only", async () => {
    const group = await groupOf(h, alice, [bob], "Sockets");
    const b = await device(bob);
    const noSocket = await api<{ error: { code: string } }>(
      h,
      alice,
      "POST",
      `/api/conversations/${group}/meeting`,
      {},
    );
    assert.equal(noSocket.status, 400);
    const notMine = await api<{ error: { code: string } }>(h, alice, "POST", `/api/conversations/${group}/meeting`, {
      socketId: b.socket.id,
    });
    assert.equal(notMine.status, 400);
    assert.equal((await stateOf(alice, group)).body.meeting, null, "a refused join starts nothing");
    const dm = await directWith(h, alice, bob);
    const a = await device(alice);
    const direct = await api<{ error: { code: string } }>(h, alice, "POST", `/api/conversations/${dm}/meeting`, {
      socketId: a.socket.id,
    });
    assert.equal(direct.status, 400);
    assert.equal(direct.body.error.code, "not_group");
  });

  test("signals go only between participants, to the addressed one's socket", async () => {
    const group = await groupOf(h, alice, [bob, carol], "Signals");
    const [a, b, c] = await Promise.all([device(alice), device(bob), device(carol)]);
    const meetingId = (await join(a, group)).body.meeting.id;
    const joined = await join(b, group);
    assert.equal(joined.status, 200);
    assert.deepEqual(joined.body.meeting.participantIds, [alice.user.id, bob.user.id]);
    // Every member (Carol too, not in it) hears who is in the meeting.
    await c.rec.waitFor<MeetingUpdatedEvent>("meeting:updated", (e) => e.meeting?.participantIds.length === 2);

    const offer = { link: "l1", signal: { type: "offer", sdp: "v=0" } };
    const ok = await emitAck(b.socket, "meeting:signal", { meetingId, to: alice.user.id, data: offer });
    assert.equal(ok.ok, true);
    const got = await a.rec.waitFor<MeetingSignalEvent>("meeting:signal");
    assert.deepEqual(got, { meetingId, from: bob.user.id, data: offer });

    // Carol is a member but not a participant: she can neither send nor be addressed.
    const fromCarol = await emitAck<object>(c.socket, "meeting:signal", { meetingId, to: alice.user.id, data: offer });
    assert.equal(fromCarol.ok, false);
    const toCarol = await emitAck<object>(a.socket, "meeting:signal", { meetingId, to: carol.user.id, data: offer });
    assert.equal(toCarol.ok, false);
    // Another socket of a participant is not the one in the meeting.
    const a2 = await device(alice);
    const fromOther = await emitAck<object>(a2.socket, "meeting:signal", { meetingId, to: bob.user.id, data: offer });
    assert.equal(fromOther.ok, false);
    // Oversized signals are refused.
    const huge = await emitAck<object>(b.socket, "meeting:signal", {
      meetingId,
      to: alice.user.id,
      data: { sdp: "x".repeat(70 * 1024) },
    });
    assert.equal(huge.ok, false);
    // Barrier: one more signal to Alice arrives; nothing refused came before it.
    await emitAck(b.socket, "meeting:signal", { meetingId, to: alice.user.id, data: { link: "l1", n: 2 } });
    await a.rec.waitFor<MeetingSignalEvent>("meeting:signal", (e) => e.data.n === 2);
    assert.equal(a.rec.of("meeting:signal").length, 2);
    assert.equal(c.rec.of("meeting:signal").length + a2.rec.of("meeting:signal").length, 0);

    await emitAck(a.socket, "meeting:leave", { meetingId });
    await emitAck(b.socket, "meeting:leave", { meetingId });
  });

  test("the size cap is enforced with an explanation; someone leaving makes room", async () => {
    const group = await groupOf(h, alice, [bob, carol, dave], "Cap");
    const [a, b, c, d] = await Promise.all([device(alice), device(bob), device(carol), device(dave)]);
    const meetingId = (await join(a, group)).body.meeting.id;
    await join(b, group);
    await join(c, group);
    const full = await api<{ error: { code: string; message: string } }>(
      h,
      dave,
      "POST",
      `/api/conversations/${group}/meeting`,
      { socketId: d.socket.id },
    );
    assert.equal(full.status, 409);
    assert.equal(full.body.error.code, "meeting_full");
    assert.match(full.body.error.message, /Jitsi/);
    // Joining again from the same user is not a new seat.
    assert.equal((await join(c, group)).status, 200);

    await emitAck(c.socket, "meeting:leave", { meetingId });
    const now = await join(d, group);
    assert.equal(now.status, 200);
    assert.deepEqual(now.body.meeting.participantIds, [alice.user.id, bob.user.id, dave.user.id]);
    for (const x of [a, b, d]) await emitAck(x.socket, "meeting:leave", { meetingId });
  });

  test("the last to leave ends the meeting with a call log (duration, participants); a dropped socket leaves after the grace", async () => {
    const group = await groupOf(h, alice, [bob, carol], "Ending");
    const [a, b, c] = await Promise.all([device(alice), device(bob), device(carol)]);
    const meetingId = (await join(a, group)).body.meeting.id;
    await join(b, group);
    await join(c, group);

    // Alice leaves: the meeting goes on for the others.
    const afterAlice = nextEvent<MeetingUpdatedEvent>(
      b.rec,
      "meeting:updated",
      (e) => !!e.meeting && !e.meeting.participantIds.includes(alice.user.id),
    );
    assert.equal((await emitAck(a.socket, "meeting:leave", { meetingId })).ok, true);
    assert.deepEqual((await afterAlice).meeting?.participantIds, [bob.user.id, carol.user.id]);
    assert.equal((await stateOf(alice, group)).body.meeting?.id, meetingId);

    // Bob's connection drops: after the grace period he is out too.
    const updated = nextEvent<MeetingUpdatedEvent>(
      c.rec,
      "meeting:updated",
      (e) => e.meeting?.participantIds.length === 1,
    );
    b.socket.disconnect();
    assert.deepEqual((await updated).meeting?.participantIds, [carol.user.id]);

    // Carol, the last one, leaves: the meeting is over for everyone, with one log.
    const ended = nextEvent<MeetingUpdatedEvent>(a.rec, "meeting:updated", (e) => e.meeting === null);
    const logged = a.rec.waitFor<Message>("message:new", (m) => m.kind === "call" && m.conversationId === group);
    assert.equal((await emitAck(c.socket, "meeting:leave", { meetingId })).ok, true);
    await ended;
    const log = await logged;
    assert.equal(log.call?.callId, meetingId);
    assert.deepEqual(new Set(log.call?.participantIds), new Set([alice.user.id, bob.user.id, carol.user.id]));
    assert.equal(log.call?.outcome, "completed");
    assert.match(log.body, /^Meeting · \d+:\d\d · 3 participants$/);
    assert.equal((await stateOf(alice, group)).body.meeting, null);
    // Over means over: leaving again or signalling is refused; starting again is a new meeting.
    assert.equal((await emitAck(c.socket, "meeting:leave", { meetingId })).ok, false);
    const again = await join(a, group);
    assert.equal(again.status, 201);
    assert.notEqual(again.body.meeting.id, meetingId);
    await emitAck(a.socket, "meeting:leave", { meetingId: again.body.meeting.id });
  });
});
