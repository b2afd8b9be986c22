// The media of the current 1:1 call: camera/microphone, the ICE servers, the simple-peer connection
// (signals, data channel, getStats polling) and noticing when it is lost. It knows nothing of invites
// or meetings; the call's flow (controller.ts) decides when to start and stop it.
import Peer from "@thaunknown/simple-peer";
import type { ApiFetch, CallsSocket } from "./deps";
import { CONNECT_TIMEOUT_MS, type HealthSample, healthFromStats } from "./health";
import { createIceServerCache } from "./ice";
import { captureScreen, sendVideo } from "./screen";
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

type MediaMessage = { type: "media"; muted: boolean; cameraOff: boolean; screen?: boolean };

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
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private screenTrack: MediaStreamTrack | null = null;
  private healthSample: HealthSample | null = null;
  private readonly getIceServers: () => Promise<RTCIceServer[]>;

  constructor(deps: PeerSessionDeps) {
    this.deps = deps;
    this.getIceServers = createIceServerCache(deps.apiFetch);
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
    // Relay-only with TURN refusing us (or UDP blocked and no TURN) never fails by itself: ICE
    // just has no candidates. Say so in time instead of a silent "Connecting…".
    this.connectTimer = setTimeout(() => {
      this.connectTimer = null;
      if (mine() && !peer.connected) this.deps.fail(callId, "failed", true);
    }, CONNECT_TIMEOUT_MS);
    peer.on("connect", () => {
      if (!mine()) return;
      if (this.connectTimer) clearTimeout(this.connectTimer);
      this.connectTimer = null;
      store.dispatch({ type: "call/connected", callId, at: Date.now() });
      this.sendMediaState();
      this.pollRoute(peer, callId);
    });
    peer.on("iceStateChange", (state) => {
      if (!mine()) return;
      store.dispatch({ type: "call/ice", callId, state });
      // The network changed under a running call (Wi-Fi → mobile): look for a new path. Only the
      // offering side restarts, so both never offer at once.
      if (initiator && peer.connected && (state === "failed" || state === "disconnected")) peer._pc?.restartIce?.();
    });
    peer.on("data", (raw) => {
      if (!mine()) return;
      try {
        const msg = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw)) as MediaMessage;
        if (msg.type === "media") {
          store.dispatch({
            type: "call/remote-media",
            callId,
            muted: Boolean(msg.muted),
            cameraOff: Boolean(msg.cameraOff),
          });
          store.dispatch({ type: "call/remote-screen", callId, screen: Boolean(msg.screen) });
        }
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
    this.healthSample = null;
    const tick = async () => {
      const pc = peer._pc;
      if (!pc || this.peer !== peer) return;
      try {
        const report = await pc.getStats();
        const { health, sample } = healthFromStats(
          report.values() as Iterable<{ id?: string; type?: string }>,
          this.healthSample,
          Date.now(),
        );
        this.healthSample = sample;
        if (this.peer === peer) this.deps.store.dispatch({ type: "call/health", callId, health });
      } catch {
        // getStats can reject while the connection is closing.
      }
    };
    void tick();
    this.statsTimer = setInterval(() => void tick(), STATS_INTERVAL_MS);
  }

  /** Shares the screen instead of the camera (the other side shows it large); again: back to the camera. */
  async toggleScreen(): Promise<void> {
    const call = this.deps.store.getState().call;
    const peer = this.peer;
    if (!call || !peer || !call.video) return;
    const { callId } = call;
    if (this.screenTrack) return this.stopScreen(callId);
    const track = await captureScreen();
    if (!track || this.peer !== peer) {
      track?.stop();
      return;
    }
    this.screenTrack = track;
    track.addEventListener("ended", () => {
      if (this.screenTrack === track) void this.stopScreen(callId);
    });
    await sendVideo(peer._pc, track);
    this.deps.store.dispatch({ type: "call/sharing", callId, sharing: true });
    this.sendMediaState();
  }

  private async stopScreen(callId: string): Promise<void> {
    const track = this.screenTrack;
    this.screenTrack = null;
    track?.stop();
    await sendVideo(this.peer?._pc, this.localStream?.getVideoTracks()[0] ?? null);
    this.deps.store.dispatch({ type: "call/sharing", callId, sharing: false });
    this.sendMediaState();
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
    const msg: MediaMessage = {
      type: "media",
      muted: call.muted,
      cameraOff: call.cameraOff,
      screen: this.screenTrack !== null,
    };
    try {
      this.peer.send(JSON.stringify(msg));
    } catch {
      // The channel may be closing; the state is cosmetic.
    }
  }

  /** Stops everything of the current call: timers, the peer, camera and microphone, kept signals. */
  close(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.screenTrack?.stop();
    this.screenTrack = null;
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
