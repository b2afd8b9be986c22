// The group call's state, the meeting banner from the server's state, the picture-in-picture flag
// and the call-health reading of getStats. Pure code: no browser needed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MeetingState } from "@messenger/protocol";
import { healthFromStats } from "../src/calls/health";
import { meshSpotlight } from "../src/calls/mesh-store";
import { type CallsAction, type CallsState, callsReducer, initialCallsState } from "../src/calls/store";

const CONV = "33333333-3333-4333-8333-333333333333";
const M1 = "44444444-4444-4444-8444-444444444444";
const M2 = "55555555-5555-4555-8555-555555555555";
const ANA = "00000000-0000-4000-8000-00000000000a";
const BEN = "00000000-0000-4000-8000-00000000000b";
const run = (actions: CallsAction[], from: CallsState = initialCallsState) => actions.reduce(callsReducer, from);
const running = (id: string, participantIds: string[]): MeetingState => ({
  id,
  conversationId: CONV,
  provider: "mesh",
  startedAt: "2026-12-01T10:00:00.000Z",
  startedBy: ANA,
  participantIds,
});

describe("meeting banner from the server's state", () => {
  it("a running meeting shows (with who is in it) until it ends", () => {
    let s = run([{ type: "meeting/state", conversationId: CONV, meeting: running(M1, [ANA]) }]);
    assert.deepEqual(s.meetings[CONV]?.participantIds, [ANA]);
    assert.equal(s.meetings[CONV]?.provider, "mesh");
    s = run([{ type: "meeting/state", conversationId: CONV, meeting: running(M1, [ANA, BEN]) }], s);
    assert.deepEqual(s.meetings[CONV]?.participantIds, [ANA, BEN]);
    s = run([{ type: "meeting/state", conversationId: CONV, meeting: null }], s);
    assert.equal(s.meetings[CONV], undefined);
  });

  it("a dismissed meeting stays dismissed while it runs; the next meeting shows again", () => {
    let s = run([
      { type: "meeting/state", conversationId: CONV, meeting: running(M1, [ANA]) },
      { type: "meeting/dismiss-banner", conversationId: CONV },
      { type: "meeting/state", conversationId: CONV, meeting: running(M1, [ANA, BEN]) },
    ]);
    assert.equal(s.meetings[CONV], undefined);
    s = run([{ type: "meeting/state", conversationId: CONV, meeting: running(M2, [BEN]) }], s);
    assert.equal(s.meetings[CONV]?.meetingId, M2);
  });
});

describe("group call state", () => {
  const open: CallsAction = {
    type: "mesh/open",
    conversationId: CONV,
    meetingId: M1,
    title: "Standup",
    participantIds: [ANA, BEN],
  };

  it("peers connect, share a screen (spotlight) and go; late events of a left meeting change nothing", () => {
    let s = run([
      open,
      { type: "mesh/peer", meetingId: M1, userId: BEN, patch: { phase: "connected" } },
      { type: "mesh/peer", meetingId: M1, userId: BEN, patch: { screen: true } },
    ]);
    assert.equal(s.mesh?.peers[BEN]?.phase, "connected");
    // No stream yet: nothing to put on the stage.
    assert.equal(s.mesh && meshSpotlight(s.mesh), null);
    s = run([{ type: "mesh/peer", meetingId: M1, userId: BEN, patch: { stream: {} as MediaStream } }], s);
    assert.equal(s.mesh && meshSpotlight(s.mesh), BEN);
    s = run([{ type: "mesh/peer-gone", meetingId: M1, userId: BEN }], s);
    assert.deepEqual(s.mesh?.peers, {});
    const before = s;
    s = run([{ type: "mesh/peer", meetingId: M2, userId: BEN, patch: { phase: "failed" } }], s);
    assert.equal(s, before);
  });

  it("shrinking is kept while in the call and reset when it is left", () => {
    let s = run([open, { type: "view/minimized", minimized: true }, { type: "mesh/toggle-mute", meetingId: M1 }]);
    assert.equal(s.minimized, true);
    assert.equal(s.mesh?.muted, true);
    s = run([{ type: "mesh/close" }], s);
    assert.equal(s.mesh, null);
    assert.equal(s.minimized, false, "the next call opens full size");
  });
});

describe("call health from getStats", () => {
  const stats = (bytes: number, lost: number, received: number) => [
    { id: "T", type: "transport", selectedCandidatePairId: "P" },
    { id: "P", type: "candidate-pair", localCandidateId: "L", remoteCandidateId: "R", currentRoundTripTime: 0.042 },
    { id: "L", type: "local-candidate", candidateType: "relay" },
    { id: "R", type: "remote-candidate", candidateType: "host" },
    {
      id: "A",
      type: "inbound-rtp",
      kind: "audio",
      bytesReceived: bytes / 4,
      packetsLost: 0,
      packetsReceived: received / 2,
    },
    {
      id: "V",
      type: "inbound-rtp",
      kind: "video",
      bytesReceived: (3 * bytes) / 4,
      packetsLost: lost,
      packetsReceived: received / 2,
    },
  ];

  it("reads round trip, route and loss at once, and bitrate from two samples", () => {
    const first = healthFromStats(stats(100_000, 0, 1000), null, 1000);
    assert.deepEqual(first.health, { route: "relay", rttMs: 42, kbps: null, lossPercent: 0 });
    const second = healthFromStats(stats(350_000, 20, 1980), first.sample, 3000);
    // 250 000 bytes in 2 s = 1000 kbit/s; 20 lost of 2000 expected = 1 %.
    assert.deepEqual(second.health, { route: "relay", rttMs: 42, kbps: 1000, lossPercent: 1 });
  });

  it("says nothing it does not know", () => {
    assert.deepEqual(healthFromStats([], null, 0).health, { route: null, rttMs: null, kbps: null, lossPercent: null });
  });
});
