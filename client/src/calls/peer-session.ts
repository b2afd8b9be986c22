// The media of the current 1:1 call: camera/microphone, the ICE servers, the simple-peer connection
// (signals, data channel, getStats polling) and noticing when it is lost. It knows nothing of invites
// or meetings; the call's flow (controller.ts) decides when to start and stop it.
import { IceServersResponse } from "@messenger/protocol";
import Peer from "@thaunknown/simple-peer";
import type { ApiFetch, CallsSocket } from "./deps";
import { mediaRouteFromStats } from "./route";
import { createSignalQueue, type SignalData } from "./signals";
import type { CallStore, EndReason } from "./store";

const STATS_INTERVAL_MS = 2_000;
/**
 * When the other side hangs up, its peer connection closes at about the same moment the server's
 * call:ended ("hangup") is on its way. Wait this long for the server's reason before concluding
 * the connection itself failed.
 */
const PEER_LOST_GRACE_MS = 3_000;

export interface PeerSessionDeps {
  socket: CallsSocket;
  apiFetch: ApiFetch;
  forceRelay: boolean;
  store: CallStore;
  /** Is `callId` the call on screen, and not ended? */
  isCurrent(callId: string): boolean;
  /** End the call for a reason found here (media refused, connection lost); `tellServer` if it doesn't know. */
  fail(callId: string, reason: EndReason, tellServer: boolean): void;
}

type MediaMessage = { type: "media"; muted: boolean; cameraOff: boolean };

function stopStream(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

export class PeerSession {
  private readonly deps: PeerSessionDeps;
  private peer: Peer | null = null;
  private peerStartedFor: string | null = null;
  private localStream: MediaStream | null = null;
  private localMedia: { callId: string; promise: Promise<MediaStream | null> } | null = null;
  private readonly signals = createSignalQueue();
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private peerLostTimer: ReturnType<typeof setTimeout> | null = null;
  private iceServers: { value: Promise<RTCIceServer[]>; until: number } | null = null;

  constructor(deps: PeerSessionDeps) {
    this.deps = deps;
  }

  /** A new call begins: signals are kept for it until its peer exists. */
  begin(callId: string): void {
    this.signals.reset(callId);
    this.peerStartedFor = null;
  }

  /** A `call:signal` from the other side (kept until the peer exists; other calls' are dropped). */
  signal(callId: string, data: SignalData): void {
    this.signals.push(callId, data);
  }

  /** Fetch the TURN credentials now, while the other side rings. */
  prefetchIceServers(): void {
    this.getIceServers().catch(() => {});
  }

  private async openMedia(video: boolean): Promise<MediaStream | null> {
    try {
      return await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true },
        video: video ? { width: { ideal: 1280 }, height: { ideal: 720 } } : false,
      });
    } catch {
      return null;
    }
  }

  /** Opens camera/microphone for `callId`; if refused, the call ends (and the other side is told). */
  startMedia(callId: string, video: boolean): Promise<MediaStream | null> {
    const promise = this.openMedia(video).then((stream) => {
      if (!this.deps.isCurrent(callId)) {
        stopStream(stream);
        return null;
      }
      if (!stream) {
        this.deps.fail(callId, "media-denied", true);
        return null;
      }
      this.localStream = stream;
      this.deps.store.dispatch({ type: "call/local-stream", callId, stream });
      return stream;
    });
    this.localMedia = { callId, promise };
    return promise;
  }

  private getIceServers(): Promise<RTCIceServer[]> {
    if (this.iceServers && this.iceServers.until > Date.now()) return this.iceServers.value;
    const entry = { value: Promise.resolve<RTCIceServer[]>([]), until: Date.now() + 60_000 };
    entry.value = (async () => {
      const res = await this.deps.apiFetch("/api/calls/ice-servers");
      if (!res.ok) throw new Error(`GET /api/calls/ice-servers: ${res.status}`);
      const body = IceServersResponse.parse(await res.json());
      // Re-fetch well before the TURN credentials expire.
      entry.until = Date.now() + (body.ttlSeconds * 1000) / 2;
      return body.iceServers;
    })();
    entry.value.catch(() => {
      if (this.iceServers === entry) this.iceServers = null;
    });
    this.iceServers = entry;
    return entry.value;
  }

  /** Connect to the other side once both the camera and the ICE servers are there; once per call. */
  async start(callId: string, initiator: boolean): Promise<void> {
    if (this.peerStartedFor === callId) return;
    this.peerStartedFor = callId;
    const { store, isCurrent } = this.deps;
    const media = this.localMedia?.callId === callId ? this.localMedia.promise : Promise.resolve(null);
    let iceServers: RTCIceServer[];
    let stream: MediaStream | null;
    try {
      [iceServers, stream] = await Promise.all([this.getIceServers(), media]);
    } catch {
      if (isCurrent(callId)) this.deps.fail(callId, "failed", true);
      return;
    }
    // No stream: the call already ended (media refused or hung up meanwhile).
    if (!stream || !isCurrent(callId)) return;
    const peer = new Peer({
      initiator,
      stream,
      trickle: true,
      config: { iceServers, iceTransportPolicy: this.deps.forceRelay ? "relay" : "all" },
    });
    this.peer = peer;
    const mine = () => this.peer === peer && isCurrent(callId);
    peer.on("signal", (data) => {
      if (mine()) this.deps.socket.emit("call:signal", { callId, data }, () => {});
    });
    peer.on("stream", (stream) => {
      if (mine()) store.dispatch({ type: "call/remote-stream", callId, stream });
    });
    peer.on("connect", () => {
      if (!mine()) return;
      store.dispatch({ type: "call/connected", callId, at: Date.now() });
      this.sendMediaState();
      this.pollRoute(peer, callId);
    });
    peer.on("iceStateChange", (state) => {
      if (mine()) store.dispatch({ type: "call/ice", callId, state });
    });
    peer.on("data", (raw) => {
      if (!mine()) return;
      try {
        const msg = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw)) as MediaMessage;
        if (msg.type === "media")
          store.dispatch({
            type: "call/remote-media",
            callId,
            muted: Boolean(msg.muted),
            cameraOff: Boolean(msg.cameraOff),
          });
      } catch {
        // Not ours to understand; ignore.
      }
    });
    // ICE failed for good (no relay either) or the connection broke: end it honestly, unless the
    // server explains it first (the other side hung up).
    peer.on("error", () => {
      if (mine()) this.onPeerLost(callId, "failed");
    });
    peer.on("close", () => {
      if (mine()) this.onPeerLost(callId, "disconnected");
    });
    this.signals.attach(callId, (data: SignalData) => {
      if (!peer.destroyed) peer.signal(data);
    });
  }

  private onPeerLost(callId: string, reason: EndReason): void {
    if (this.peerLostTimer) return;
    this.deps.store.dispatch({ type: "call/ice", callId, state: "disconnected" });
    this.peerLostTimer = setTimeout(() => {
      this.peerLostTimer = null;
      this.deps.fail(callId, this.deps.store.getState().call?.connectedAt ? "disconnected" : reason, true);
    }, PEER_LOST_GRACE_MS);
  }

  private pollRoute(peer: Peer, callId: string): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    const tick = async () => {
      const pc = peer._pc;
      if (!pc || this.peer !== peer) return;
      try {
        const report = await pc.getStats();
        const route = mediaRouteFromStats(report.values() as Iterable<{ id?: string; type?: string }>);
        if (route && this.peer === peer) this.deps.store.dispatch({ type: "call/route", callId, route });
      } catch {
        // getStats can reject while the connection is closing.
      }
    };
    void tick();
    this.statsTimer = setInterval(() => void tick(), STATS_INTERVAL_MS);
  }

  /** Mute and camera as the store says, told to the other side too. */
  applyTrackState(): void {
    const call = this.deps.store.getState().call;
    if (!call || !this.localStream) return;
    for (const t of this.localStream.getAudioTracks()) t.enabled = !call.muted;
    for (const t of this.localStream.getVideoTracks()) t.enabled = !call.cameraOff;
    this.sendMediaState();
  }

  /** Tell the other side (over the peer's data channel) so it can show "muted" / "camera off". */
  private sendMediaState(): void {
    const call = this.deps.store.getState().call;
    if (!call || !this.peer?.connected) return;
    const msg: MediaMessage = { type: "media", muted: call.muted, cameraOff: call.cameraOff };
    try {
      this.peer.send(JSON.stringify(msg));
    } catch {
      // The channel may be closing; the state is cosmetic.
    }
  }

  /** Stops everything of the current call: timers, the peer, camera and microphone, kept signals. */
  close(): void {
    if (this.peerLostTimer) clearTimeout(this.peerLostTimer);
    this.peerLostTimer = null;
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = null;
    const peer = this.peer;
    this.peer = null;
    peer?.destroy();
    stopStream(this.localStream);
    this.localStream = null;
    this.localMedia = null;
    this.signals.reset(null);
    this.peerStartedFor = null;
  }
}
