// ICE credentials (coturn TURN REST) and Jitsi meeting tokens, through the real HTTP API.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type {
  IceServersResponse,
  MeetingJoinResponse,
  MeetingStartedEvent,
  MeetingStateResponse,
} from "@messenger/protocol";
import { jwtVerify } from "jose";
import {
  api,
  directWith,
  groupOf,
  type Harness,
  recorder,
  register,
  socketFor,
  startHarness,
  type TestUser,
} from "./helpers.js";

const TURN_SECRET = "turn-secret-for-tests";
const JITSI_SECRET = "jitsi-secret-for-tests";

let h: Harness;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let mallory: TestUser;

before(async () => {
  h = await startHarness({
    TURN_SECRET,
    TURN_URLS:
      "turn:turn.example.com:3478?transport=udp, turn:turn.example.com:3478?transport=tcp,turns:turn.example.com:5349?transport=tcp",
    TURN_TTL_SECONDS: "600",
    JITSI_DOMAIN: "meet.example.com",
    JITSI_APP_ID: "messenger-app",
    JITSI_APP_SECRET: JITSI_SECRET,
  });
  [alice, bob, carol, mallory] = await Promise.all([register(h), register(h), register(h), register(h)]);
});
after(() => h.close());

describe("GET /api/calls/ice-servers", () => {
  test("needs a signed-in user", async () => {
    const r = await api(h, null, "GET", "/api/calls/ice-servers");
    assert.equal(r.status, 401);
  });

  test("gives STUN and TURN URLs with a TURN REST credential coturn can verify by HMAC", async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await h.app.inject({ method: "GET", url: "/api/calls/ice-servers", headers: alice.auth });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["cache-control"], "no-store");
    const body = res.json() as IceServersResponse;
    assert.equal(body.ttlSeconds, 600);
    assert.deepEqual(body.iceServers[0], { urls: ["stun:turn.example.com:3478"] });
    const turn = body.iceServers[1]!;
    assert.deepEqual(turn.urls, [
      "turn:turn.example.com:3478?transport=udp",
      "turn:turn.example.com:3478?transport=tcp",
      "turns:turn.example.com:5349?transport=tcp",
    ]);
    const [expiry, userId] = turn.username!.split(":");
    assert.equal(userId, alice.user.id);
    const exp = Number(expiry);
    assert.ok(exp >= before + 600 && exp <= Math.floor(Date.now() / 1000) + 600, `expiry ${exp}`);
    const expected = createHmac("sha1", TURN_SECRET).update(turn.username!).digest("base64");
    assert.equal(turn.credential, expected);
    // Another secret gives another credential: the pair is bound to the server's secret.
    assert.notEqual(turn.credential, createHmac("sha1", "other").update(turn.username!).digest("base64"));
  });

  test("each user gets a credential for their own id", async () => {
    const r = await api<IceServersResponse>(h, bob, "GET", "/api/calls/ice-servers");
    assert.equal(r.body.iceServers[1]!.username!.split(":")[1], bob.user.id);
  });
});

type JitsiJoin = Extract<MeetingJoinResponse, { provider: "jitsi" }>;

describe("group meetings (Jitsi)", () => {
  const key = new TextEncoder().encode(JITSI_SECRET);
  const verify = (jwt: string) =>
    jwtVerify(jwt, key, { issuer: "messenger-app", audience: "jitsi", algorithms: ["HS256"] });

  test("the starter gets an owner token; every member's sockets hear meeting:started; others join as members", async () => {
    const group = await groupOf(h, alice, [bob, carol], "Standup");
    const [aliceOther, bobSock, carolSock, mallorySock] = await Promise.all([
      socketFor(h, alice.accessToken),
      socketFor(h, bob.accessToken),
      socketFor(h, carol.accessToken),
      socketFor(h, mallory.accessToken),
    ]);
    const recs = [aliceOther, bobSock, carolSock, mallorySock].map(recorder);

    const idle = await api<MeetingStateResponse>(h, bob, "GET", `/api/conversations/${group}/meeting`);
    assert.deepEqual(idle.body, { meeting: null, provider: "jitsi", maxParticipants: null });

    const started = await api<MeetingJoinResponse>(h, alice, "POST", `/api/conversations/${group}/meeting`);
    assert.equal(started.status, 201);
    assert.equal(started.body.provider, "jitsi");
    if (started.body.provider !== "jitsi") return;
    const m = started.body;
    assert.equal(m.domain, "meet.example.com");
    assert.match(m.roomName, /^[0-9a-f]{32}$/);
    assert.equal(m.url, `https://meet.example.com/${m.roomName}`);
    assert.ok(Date.parse(m.expiresAt) > Date.now());

    const { payload, protectedHeader } = await verify(m.jwt);
    assert.equal(protectedHeader.alg, "HS256");
    assert.equal(payload.sub, "meet.example.com");
    assert.equal(payload.room, m.roomName);
    assert.equal(payload.exp, Math.floor(Date.parse(m.expiresAt) / 1000));
    const user = (payload.context as { user: Record<string, unknown> }).user;
    assert.equal(user.id, alice.user.id);
    assert.equal(user.name, alice.user.displayName);
    assert.equal(user.affiliation, "owner");
    for (const field of ["id", "name", "avatar", "email", "affiliation"]) {
      assert.equal(typeof user[field], "string", `context.user.${field} must be a string`);
    }

    // Every member's sockets (including the starter's other device); not a stranger's.
    for (const r of recs.slice(0, 3)) {
      const e = await r.waitFor<MeetingStartedEvent>("meeting:started");
      assert.deepEqual(e, {
        conversationId: group,
        url: m.url,
        startedBy: alice.user.id,
        provider: "jitsi",
        meetingId: m.meeting.id,
      });
      assert.ok(!JSON.stringify(e).includes(m.jwt), "the broadcast carries no token");
    }

    // Members see who is in it (the starter, from the POST).
    const state = await api<MeetingStateResponse>(h, bob, "GET", `/api/conversations/${group}/meeting`);
    assert.equal(state.body.meeting?.provider, "jitsi");
    assert.deepEqual(state.body.meeting?.participantIds, [alice.user.id]);

    const joined = await api<JitsiJoin>(h, bob, "POST", `/api/conversations/${group}/meeting`);
    assert.equal(joined.status, 200);
    assert.equal(joined.body.roomName, m.roomName);
    const bobClaims = (await verify(joined.body.jwt)).payload;
    const bobUser = (bobClaims.context as { user: Record<string, unknown> }).user;
    assert.equal(bobUser.id, bob.user.id);
    assert.equal(bobUser.affiliation, "member");
    assert.equal(bobClaims.room, m.roomName);

    // Starting again while it runs joins the same room, as a member, without a second announcement.
    const again = await api<JitsiJoin>(h, carol, "POST", `/api/conversations/${group}/meeting`);
    assert.equal(again.status, 200);
    assert.equal(again.body.roomName, m.roomName);
    const carolUser = ((await verify(again.body.jwt)).payload.context as { user: Record<string, unknown> }).user;
    assert.equal(carolUser.affiliation, "member");

    // The starter stays the owner when fetching a fresh token.
    const aliceAgain = await api<JitsiJoin>(h, alice, "POST", `/api/conversations/${group}/meeting`);
    const aliceUser = ((await verify(aliceAgain.body.jwt)).payload.context as { user: Record<string, unknown> }).user;
    assert.equal(aliceUser.affiliation, "owner");

    // A stranger learns nothing, and gets no events.
    assert.equal((await api(h, mallory, "GET", `/api/conversations/${group}/meeting`)).status, 404);
    assert.equal((await api(h, mallory, "POST", `/api/conversations/${group}/meeting`)).status, 404);
    // Barrier: a new meeting elsewhere that mallory is in; anything earlier would have arrived first.
    const other = await groupOf(h, mallory, [bob], "Other");
    await api(h, mallory, "POST", `/api/conversations/${other}/meeting`);
    await recs[3]!.waitFor("meeting:started");
    assert.equal(recs[3]!.of("meeting:started").length, 1);
    assert.equal(recs[0]!.of("meeting:started").length, 1, "one announcement per meeting");
  });

  test("rooms differ between groups and a token is only valid with the app secret", async () => {
    const g1 = await groupOf(h, alice, [bob], "One");
    const g2 = await groupOf(h, alice, [bob], "Two");
    const m1 = (await api<JitsiJoin>(h, alice, "POST", `/api/conversations/${g1}/meeting`)).body;
    const m2 = (await api<JitsiJoin>(h, alice, "POST", `/api/conversations/${g2}/meeting`)).body;
    assert.notEqual(m1.roomName, m2.roomName);
    await assert.rejects(jwtVerify(m1.jwt, new TextEncoder().encode("wrong-secret")));
  });

  test("direct conversations have calls, not meetings", async () => {
    const dm = await directWith(h, alice, bob);
    const r = await api<{ error: { code: string } }>(h, alice, "POST", `/api/conversations/${dm}/meeting`);
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, "not_group");
  });
});
