// The call and meeting state the UI shows, driven by the same actions the controller dispatches
// for socket events and user clicks. Pure code: no browser needed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CallIncomingEvent, User } from "@messenger/protocol";
import { callStrings, pickLang } from "../src/calls/i18n";
import { externalApiSource } from "../src/calls/jitsi";
import { mediaRouteFromStats } from "../src/calls/route";
import { createSignalQueue } from "../src/calls/signals";
import {
  type CallsAction,
  type CallsState,
  callsReducer,
  createCallStore,
  initialCallsState,
  meetingNotice,
} from "../src/calls/store";
import { formatDuration } from "../src/ui/format";
import { user } from "./fixtures";

const ana: User = { ...user("00000000-0000-4000-8000-00000000000a", "Ana"), online: true };
const CALL = "11111111-1111-4111-8111-111111111111";
const OTHER_CALL = "22222222-2222-4222-8222-222222222222";
const CONV = "33333333-3333-4333-8333-333333333333";

const incoming = (callId = CALL): CallIncomingEvent => ({ callId, conversationId: CONV, from: ana, video: true });
const run = (actions: CallsAction[], from: CallsState = initialCallsState) => actions.reduce(callsReducer, from);
const outgoing: CallsAction = { type: "call/outgoing", callId: CALL, conversationId: CONV, peer: ana, video: true };

describe("call state", () => {
  it("a caller rings, is accepted, connects and the timer starts at the first connection", () => {
    let s = run([outgoing]);
    assert.equal(s.call?.phase, "outgoing");
    assert.equal(s.call?.direction, "outgoing");
    s = run([{ type: "call/accepted", callId: CALL, initiator: true }], s);
    assert.equal(s.call?.phase, "connecting");
    assert.equal(s.call?.initiator, true);
    s = run([{ type: "call/connected", callId: CALL, at: 1000 }], s);
    assert.equal(s.call?.phase, "connected");
    assert.equal(s.call?.connectedAt, 1000);
    // ICE drops and recovers: "reconnecting…" then back, and the timer keeps its origin.
    s = run([{ type: "call/ice", callId: CALL, state: "disconnected" }], s);
    assert.equal(s.call?.phase, "reconnecting");
    s = run(
      [
        { type: "call/ice", callId: CALL, state: "connected" },
        { type: "call/connected", callId: CALL, at: 9000 },
      ],
      s,
    );
    assert.equal(s.call?.phase, "connected");
    assert.equal(s.call?.connectedAt, 1000);
  });

  it("the initiator is taken once: a late second call:accepted cannot flip it (no glare)", () => {
    const s = run([
      outgoing,
      { type: "call/accepted", callId: CALL, initiator: false },
      { type: "call/accepted", callId: CALL, initiator: true },
    ]);
    assert.equal(s.call?.initiator, false);
  });

  it("busy, declined and no-answer end the caller's call with that reason, kept until dismissed", () => {
    for (const reason of ["busy", "declined", "no-answer"] as const) {
      let s = run([outgoing, { type: "call/ended", callId: CALL, reason, at: 5 }]);
      assert.equal(s.call?.phase, "ended");
      assert.equal(s.call?.endedReason, reason);
      assert.ok(callStrings.en.ended[reason]("Ana").length > 0);
      assert.ok(callStrings.es.ended[reason]("Ana").length > 0);
      s = run([{ type: "call/dismiss" }], s);
      assert.equal(s.call, null);
    }
  });

  it("the other side hanging up shows how long the call lasted", () => {
    const s = run([
      outgoing,
      { type: "call/accepted", callId: CALL, initiator: true },
      { type: "call/connected", callId: CALL, at: 10_000 },
      { type: "call/ended", callId: CALL, reason: "hangup", at: 10_000 + 154_000 },
    ]);
    assert.equal(s.call?.endedReason, "hangup");
    const call = s.call;
    assert.ok(call?.endedAt && call.connectedAt);
    assert.equal(formatDuration(call.endedAt - call.connectedAt), "02:34");
  });

  it("an incoming ring that stops (cancelled, answered elsewhere, no answer) just disappears", () => {
    for (const reason of ["cancelled", "answered-elsewhere", "no-answer"] as const) {
      const s = run([
        { type: "call/incoming", event: incoming() },
        { type: "call/ended", callId: CALL, reason, at: 1 },
      ]);
      assert.equal(s.call, null, reason);
    }
  });

  it("a second incoming call while in a call does not replace the first", () => {
    const s = run([
      { type: "call/incoming", event: incoming() },
      { type: "call/accepting", callId: CALL },
      { type: "call/incoming", event: incoming(OTHER_CALL) },
    ]);
    assert.equal(s.call?.callId, CALL);
    assert.equal(s.call?.phase, "connecting");
  });

  it("a new call can ring while an old call's 'ended' notice is still on screen", () => {
    const s = run([
      outgoing,
      { type: "call/ended", callId: CALL, reason: "declined", at: 1 },
      { type: "call/incoming", event: incoming(OTHER_CALL) },
    ]);
    assert.equal(s.call?.callId, OTHER_CALL);
    assert.equal(s.call?.phase, "incoming");
  });

  it("events of another call, or arriving after the end, change nothing", () => {
    const ended = run([outgoing, { type: "call/ended", callId: CALL, reason: "busy", at: 1 }]);
    assert.equal(callsReducer(ended, { type: "call/connected", callId: CALL, at: 2 }), ended);
    assert.equal(callsReducer(ended, { type: "call/route", callId: CALL, route: "relay" }), ended);
    const ringing = run([outgoing]);
    assert.equal(callsReducer(ringing, { type: "call/accepted", callId: OTHER_CALL, initiator: true }), ringing);
    assert.equal(callsReducer(ringing, { type: "call/ended", callId: OTHER_CALL, reason: "hangup", at: 1 }), ringing);
  });

  it("hanging up, cancelling or declining closes the view without a notice", () => {
    assert.equal(run([outgoing, { type: "call/closed", callId: CALL }]).call, null);
    assert.equal(
      run([
        { type: "call/incoming", event: incoming() },
        { type: "call/closed", callId: CALL },
      ]).call,
      null,
    );
  });

  it("mute and camera toggle; an audio call has no camera to turn off", () => {
    let s = run([outgoing, { type: "call/toggle-mute", callId: CALL }, { type: "call/toggle-camera", callId: CALL }]);
    assert.equal(s.call?.muted, true);
    assert.equal(s.call?.cameraOff, true);
    s = run([{ type: "call/toggle-mute", callId: CALL }], s);
    assert.equal(s.call?.muted, false);
    const audio = run([
      { type: "call/incoming", event: { ...incoming(), video: false } },
      { type: "call/toggle-camera", callId: CALL },
    ]);
    assert.equal(audio.call?.cameraOff, false);
  });

  it("the route indicator follows the measured path and the remote's mute state is shown", () => {
    const s = run([
      outgoing,
      { type: "call/accepted", callId: CALL, initiator: true },
      { type: "call/connected", callId: CALL, at: 1 },
      { type: "call/route", callId: CALL, route: "relay" },
      { type: "call/remote-media", callId: CALL, muted: true, cameraOff: false },
    ]);
    assert.equal(s.call?.route, "relay");
    assert.equal(s.call?.remoteMuted, true);
  });
});

describe("meeting state", () => {
  const started = { conversationId: CONV, url: "https://meet.example.org/abc", startedBy: ana.id };
  const meeting = {
    domain: "meet.example.org",
    roomName: "abc",
    url: "https://meet.example.org/abc",
    jwt: "x.y.z",
    expiresAt: "2030-01-01T00:00:00.000Z",
  };

  it("meeting:started shows a banner until joined; joining opens the room", () => {
    let s = run([{ type: "meeting/announced", event: started, at: 1 }]);
    assert.equal(s.meetings[CONV]?.startedBy, ana.id);
    s = run([{ type: "meeting/loading", conversationId: CONV, title: "Design review" }], s);
    assert.equal(s.meeting?.status, "loading");
    s = run([{ type: "meeting/open", conversationId: CONV, meeting }], s);
    assert.equal(s.meeting?.status, "open");
    assert.equal(s.meeting?.title, "Design review");
    assert.equal(s.meetings[CONV], undefined);
    s = run([{ type: "meeting/close" }], s);
    assert.equal(s.meeting, null);
  });

  it("outside the group a notice names the group and the starter; not while its banner is on screen", () => {
    const me = "00000000-0000-4000-8000-0000000000bb";
    let s = run([
      { type: "meeting/announced", event: started, at: 1 },
      { type: "meeting/details", conversationId: CONV, title: "Design review", starterName: "Ana" },
    ]);
    assert.equal(meetingNotice(s, me)?.title, "Design review");
    assert.equal(callStrings.en.meetingStartedIn("Ana", "Design review"), "Ana started a meeting in Design review");
    // The starter gets no notice for their own meeting.
    assert.equal(meetingNotice(s, ana.id), null);
    // The group is open (its banner mounted twice, e.g. by StrictMode) and then closed again.
    s = run(
      [
        { type: "meeting/banner", conversationId: CONV, onScreen: true },
        { type: "meeting/banner", conversationId: CONV, onScreen: true },
        { type: "meeting/banner", conversationId: CONV, onScreen: false },
      ],
      s,
    );
    assert.equal(meetingNotice(s, me), null);
    s = run([{ type: "meeting/banner", conversationId: CONV, onScreen: false }], s);
    assert.equal(meetingNotice(s, me)?.conversationId, CONV);
    assert.deepEqual(s.bannersOnScreen, {});
  });

  it("a banner can be dismissed; a failure is kept to be read", () => {
    let s = run([
      { type: "meeting/announced", event: started, at: 1 },
      { type: "meeting/dismiss-banner", conversationId: CONV },
    ]);
    assert.deepEqual(s.meetings, {});
    s = run([{ type: "meeting/failed", conversationId: CONV, message: "forbidden" }], s);
    assert.deepEqual(s.meeting, { status: "failed", conversationId: CONV, title: null, message: "forbidden" });
  });

  it("the IFrame API is loaded from the meeting's own domain, keeping the server's scheme", () => {
    assert.deepEqual(externalApiSource(meeting), {
      host: "meet.example.org",
      scriptUrl: "https://meet.example.org/external_api.js",
      noSSL: false,
    });
    assert.deepEqual(externalApiSource({ domain: "127.0.0.1:8443", url: "http://127.0.0.1:8443/room" }), {
      host: "127.0.0.1:8443",
      scriptUrl: "http://127.0.0.1:8443/external_api.js",
      noSSL: true,
    });
    // JITSI_DOMAIN given with its scheme (a dev or test setup).
    assert.deepEqual(externalApiSource({ domain: "http://127.0.0.1:9000", url: "http://127.0.0.1:9000/room" }), {
      host: "127.0.0.1:9000",
      scriptUrl: "http://127.0.0.1:9000/external_api.js",
      noSSL: true,
    });
    // A url on some other host is not trusted to serve the script.
    assert.equal(
      externalApiSource({ domain: "meet.example.org", url: "http://evil.example/x" }).scriptUrl,
      "https://meet.example.org/external_api.js",
    );
  });
});

describe("store", () => {
  it("notifies subscribers only when the state changes", () => {
    const store = createCallStore();
    let calls = 0;
    const off = store.subscribe(() => calls++);
    store.dispatch(outgoing);
    store.dispatch({ type: "call/connected", callId: OTHER_CALL, at: 1 }); // not this call: no change
    assert.equal(calls, 1);
    off();
    store.dispatch({ type: "call/closed", callId: CALL });
    assert.equal(calls, 1);
    assert.equal(store.getState().call, null);
  });
});

describe("signal buffering", () => {
  it("signals that arrive before the peer exists are delivered in order once it attaches", () => {
    const q = createSignalQueue();
    q.reset(CALL);
    q.push(CALL, { type: "offer", sdp: "o" });
    q.push(CALL, { type: "candidate", n: 1 });
    q.push(OTHER_CALL, { type: "candidate", n: 99 }); // another call's: dropped
    assert.equal(q.pending, 2);
    const got: unknown[] = [];
    q.attach(CALL, (d) => got.push(d));
    q.push(CALL, { type: "candidate", n: 2 });
    assert.deepEqual(got, [
      { type: "offer", sdp: "o" },
      { type: "candidate", n: 1 },
      { type: "candidate", n: 2 },
    ]);
    q.reset(null);
    q.push(CALL, { type: "candidate", n: 3 });
    assert.equal(got.length, 3);
  });
});

describe("relay/direct indicator", () => {
  const stats = (localType: string, remoteType: string) => [
    { id: "T1", type: "transport", selectedCandidatePairId: "P2" },
    { id: "P1", type: "candidate-pair", localCandidateId: "L1", remoteCandidateId: "R1", state: "failed" },
    { id: "P2", type: "candidate-pair", localCandidateId: "L2", remoteCandidateId: "R2", state: "succeeded" },
    { id: "L1", type: "local-candidate", candidateType: "host" },
    { id: "R1", type: "remote-candidate", candidateType: "host" },
    { id: "L2", type: "local-candidate", candidateType: localType },
    { id: "R2", type: "remote-candidate", candidateType: remoteType },
  ];

  it("reads the selected pair: relay on either end means relayed, else direct", () => {
    assert.equal(mediaRouteFromStats(stats("relay", "relay")), "relay");
    assert.equal(mediaRouteFromStats(stats("host", "relay")), "relay");
    assert.equal(mediaRouteFromStats(stats("srflx", "prflx")), "direct");
  });

  it("falls back to a nominated, succeeded pair and says nothing before one exists", () => {
    const noTransport = stats("relay", "host").filter((s) => s.type !== "transport");
    assert.equal(mediaRouteFromStats(noTransport), null);
    const nominated = noTransport.map((s) => (s.id === "P2" ? { ...s, nominated: true } : s));
    assert.equal(mediaRouteFromStats(nominated), "relay");
    assert.equal(mediaRouteFromStats([]), null);
  });
});

describe("language", () => {
  it("the shell's choice wins, else the browser's; any es-* is Spanish", () => {
    assert.equal(pickLang("es", "en-US"), "es");
    assert.equal(pickLang(undefined, "es-MX"), "es");
    assert.equal(pickLang(undefined, "fr-FR"), "en");
    assert.equal(callStrings.es.hangUp, "Colgar");
    assert.deepEqual(Object.keys(callStrings.es).sort(), Object.keys(callStrings.en).sort());
    assert.equal(formatDuration(3_725_000), "1:02:05");
  });
});
