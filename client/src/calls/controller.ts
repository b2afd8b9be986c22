// Side effects of calls and meetings: socket listeners, camera/microphone, the simple-peer
// connection, getStats polling and the meeting REST calls. State goes through the store.
import {
  type CallAcceptedEvent,
  type CallEndedEvent,
  type CallIncomingEvent,
  type CallSignalEvent,
  type Conversation,
  ConversationResponse,
  IceServersResponse,
  MeetingResponse,
  type MeetingStartedEvent,
} from "@messenger/protocol";
import Peer from "@thaunknown/simple-peer";
import { withAck } from "../core/ack";
import type { ApiFetch, CallsSocket } from "./deps";
import { type CallStrings, callStrings } from "./i18n";
import { mediaRouteFromStats } from "./route";
import { createSignalQueue, type SignalData } from "./signals";
import { type CallStore, createCallStore, type EndReason, isCallActive } from "./store";

const STATS_INTERVAL_MS = 2_000;
/**
 * When the other side hangs up, its peer connection closes at about the same moment the server's
 * call:ended ("hangup") is on its way. Wait this long for the server's reason before concluding
 * the connection itself failed.
 */
const PEER_LOST_GRACE_MS = 3_000;

export interface ControllerDeps {
  socket: CallsSocket;
  apiFetch: ApiFetch;
  me: { id: string };
  forceRelay: boolean;
  strings?: CallStrings;
}

type MediaMessage = { type: "media"; muted: boolean; cameraOff: boolean };

function stopStream(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/** `?forceRelay=1` is remembered for the tab, so a reload or the app's own navigation keeps it. */
export function forceRelayFromLocation(): boolean {
  if (typeof window === "undefined") return false;
  try {
    const q = new URLSearchParams(window.location.search).get("forceRelay");
    if (q === "1") window.sessionStorage.setItem("calls.forceRelay", "1");
    if (q === "0") window.sessionStorage.removeItem("calls.forceRelay");
    return (
      window.sessionStorage.getItem("calls.forceRelay") === "1" ||
      window.localStorage.getItem("calls.forceRelay") === "1"
    );
  } catch {
    return false;
  }
}

export class CallController {
  readonly store: CallStore;
  private deps: ControllerDeps;
  private peer: Peer | null = null;
  private peerStartedFor: string | null = null;
  private localStream: MediaStream | null = null;
  private localMedia: { callId: string; promise: Promise<MediaStream | null> } | null = null;
  private readonly signals = createSignalQueue();
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private peerLostTimer: ReturnType<typeof setTimeout> | null = null;
  private iceServers: { value: Promise<RTCIceServer[]>; until: number } | null = null;
  private notification: Notification | null = null;

  constructor(deps: ControllerDeps, store: CallStore = createCallStore()) {
    this.deps = deps;
    this.store = store;
  }

  private get t(): CallStrings {
    return this.deps.strings ?? callStrings.en;
  }

  setStrings(strings: CallStrings): void {
    this.deps = { ...this.deps, strings };
  }

  /** Listen on the socket; returns the function that stops listening (and ends a live call). */
  attach(): () => void {
    const { socket } = this.deps;
    const onIncoming = (e: CallIncomingEvent) => this.onIncoming(e);
    const onAccepted = (e: CallAcceptedEvent) => this.onAccepted(e);
    const onSignal = (e: CallSignalEvent) => this.signals.push(e.callId, e.data);
    const onEnded = (e: CallEndedEvent) => this.onEnded(e);
    const onMeeting = (e: MeetingStartedEvent) => this.onMeetingStarted(e);
    // Closing the tab mid-call: tell the other side now rather than after the server's grace period.
    const onPageHide = () => {
      const call = this.store.getState().call;
      if (isCallActive(call)) socket.emit("call:end", { callId: call.callId }, () => {});
    };
    socket.on("call:incoming", onIncoming);
    socket.on("call:accepted", onAccepted);
    socket.on("call:signal", onSignal);
    socket.on("call:ended", onEnded);
    socket.on("meeting:started", onMeeting);
    window.addEventListener("pagehide", onPageHide);
    return () => {
      socket.off("call:incoming", onIncoming);
      socket.off("call:accepted", onAccepted);
      socket.off("call:signal", onSignal);
      socket.off("call:ended", onEnded);
      socket.off("meeting:started", onMeeting);
      window.removeEventListener("pagehide", onPageHide);
      const call = this.store.getState().call;
      if (isCallActive(call)) {
        if (call.phase === "incoming") socket.emit("call:decline", { callId: call.callId }, () => {});
        else socket.emit("call:end", { callId: call.callId }, () => {});
        this.cleanup();
        this.store.dispatch({ type: "call/closed", callId: call.callId });
      }
    };
  }

  private isCurrent(callId: string): boolean {
    const call = this.store.getState().call;
    return call?.callId === callId && call.phase !== "ended";
  }

  // ---- user actions -----------------------------------------------------------

  async startCall(conversation: Conversation, video: boolean): Promise<void> {
    if (conversation.kind !== "direct" || isCallActive(this.store.getState().call)) return;
    const { socket, me } = this.deps;
    const peer = conversation.members.find((m) => m.user.id !== me.id)?.user ?? null;
    const callId = crypto.randomUUID();
    this.signals.reset(callId);
    this.peerStartedFor = null;
    this.store.dispatch({ type: "call/outgoing", callId, conversationId: conversation.id, peer, video });
    // Ring at once; the camera starts and the TURN credentials arrive while the other side rings.
    this.getIceServers().catch(() => {});
    void this.startMedia(callId, video);
    const ack = await withAck((cb) =>
      socket.emit("call:invite", { callId, conversationId: conversation.id, video }, cb),
    );
    // A timed-out invite may still be delivered after a reconnect: cancel it so nobody rings for nothing.
    if (!ack.ok && this.isCurrent(callId))
      this.fail(callId, ack.error.code === "busy" ? "self-busy" : "unavailable", ack.error.code === "timeout");
  }

  async accept(): Promise<void> {
    const call = this.store.getState().call;
    if (call?.phase !== "incoming") return;
    const { callId } = call;
    this.closeNotification();
    this.store.dispatch({ type: "call/accepting", callId });
    // Accept at once so the caller starts the offer while our camera starts (signals wait in the queue).
    void this.startMedia(callId, call.video);
    const ack = await withAck<{ initiator: boolean }>((cb) => this.deps.socket.emit("call:accept", { callId }, cb));
    if (!this.isCurrent(callId)) return;
    if (!ack.ok) return this.fail(callId, "unavailable", ack.error.code === "timeout");
    this.store.dispatch({ type: "call/accepted", callId, initiator: ack.initiator });
    await this.startPeer(callId, ack.initiator);
  }

  decline(): void {
    const call = this.store.getState().call;
    if (call?.phase !== "incoming") return;
    this.deps.socket.emit("call:decline", { callId: call.callId }, () => {});
    this.cleanup();
    this.store.dispatch({ type: "call/closed", callId: call.callId });
  }

  /** Hang up a live call, or cancel one that is still ringing. */
  hangUp(): void {
    const call = this.store.getState().call;
    if (!call) return;
    if (call.phase === "ended") {
      this.store.dispatch({ type: "call/dismiss" });
      return;
    }
    if (call.phase === "incoming") {
      this.decline();
      return;
    }
    this.deps.socket.emit("call:end", { callId: call.callId }, () => {});
    this.cleanup();
    this.store.dispatch({ type: "call/closed", callId: call.callId });
  }

  dismiss(): void {
    this.store.dispatch({ type: "call/dismiss" });
  }

  toggleMute(): void {
    const call = this.store.getState().call;
    if (!isCallActive(call)) return;
    this.store.dispatch({ type: "call/toggle-mute", callId: call.callId });
    this.applyTrackState();
  }

  toggleCamera(): void {
    const call = this.store.getState().call;
    if (!isCallActive(call)) return;
    this.store.dispatch({ type: "call/toggle-camera", callId: call.callId });
    this.applyTrackState();
  }

  startMeeting(conversationId: string, title: string | null = null): Promise<void> {
    return this.openMeeting(conversationId, title, "POST");
  }

  /** Join an announced meeting with a token of one's own (GET of the same route). */
  joinMeeting(conversationId: string, title: string | null = null): Promise<void> {
    return this.openMeeting(conversationId, title, "GET");
  }

  closeMeeting(): void {
    this.store.dispatch({ type: "meeting/close" });
  }

  dismissMeetingBanner(conversationId: string): void {
    this.store.dispatch({ type: "meeting/dismiss-banner", conversationId });
  }

  // ---- socket events ----------------------------------------------------------

  private onIncoming(e: CallIncomingEvent): void {
    this.store.dispatch({ type: "call/incoming", event: e });
    const call = this.store.getState().call;
    if (call?.callId !== e.callId || call.phase !== "incoming") return;
    this.signals.reset(e.callId);
    this.peerStartedFor = null;
    this.notifyIfHidden(e);
  }

  private onAccepted(e: CallAcceptedEvent): void {
    const call = this.store.getState().call;
    // The callee's own device learns the initiator from its accept ack instead.
    if (call?.callId !== e.callId || call.direction !== "outgoing") return;
    this.store.dispatch({ type: "call/accepted", callId: e.callId, initiator: e.initiator });
    void this.startPeer(e.callId, e.initiator);
  }

  private onEnded(e: CallEndedEvent): void {
    const call = this.store.getState().call;
    if (call?.callId !== e.callId) return;
    this.cleanup();
    this.store.dispatch({ type: "call/ended", callId: e.callId, reason: e.reason, at: Date.now() });
  }

  // ---- media and peer ---------------------------------------------------------

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
  private startMedia(callId: string, video: boolean): Promise<MediaStream | null> {
    const promise = this.openMedia(video).then((stream) => {
      if (!this.isCurrent(callId)) {
        stopStream(stream);
        return null;
      }
      if (!stream) {
        this.fail(callId, "media-denied", true);
        return null;
      }
      this.localStream = stream;
      this.store.dispatch({ type: "call/local-stream", callId, stream });
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

  private async startPeer(callId: string, initiator: boolean): Promise<void> {
    if (this.peerStartedFor === callId) return;
    this.peerStartedFor = callId;
    const media = this.localMedia?.callId === callId ? this.localMedia.promise : Promise.resolve(null);
    let iceServers: RTCIceServer[];
    let stream: MediaStream | null;
    try {
      [iceServers, stream] = await Promise.all([this.getIceServers(), media]);
    } catch {
      if (this.isCurrent(callId)) this.fail(callId, "failed", true);
      return;
    }
    // No stream: the call already ended (media refused or hung up meanwhile).
    if (!stream || !this.isCurrent(callId)) return;
    const peer = new Peer({
      initiator,
      stream,
      trickle: true,
      config: { iceServers, iceTransportPolicy: this.deps.forceRelay ? "relay" : "all" },
    });
    this.peer = peer;
    const mine = () => this.peer === peer && this.isCurrent(callId);
    peer.on("signal", (data) => {
      if (mine()) this.deps.socket.emit("call:signal", { callId, data }, () => {});
    });
    peer.on("stream", (stream) => {
      if (mine()) this.store.dispatch({ type: "call/remote-stream", callId, stream });
    });
    peer.on("connect", () => {
      if (!mine()) return;
      this.store.dispatch({ type: "call/connected", callId, at: Date.now() });
      this.sendMediaState();
      this.pollRoute(peer, callId);
    });
    peer.on("iceStateChange", (state) => {
      if (mine()) this.store.dispatch({ type: "call/ice", callId, state });
    });
    peer.on("data", (raw) => {
      if (!mine()) return;
      try {
        const msg = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw)) as MediaMessage;
        if (msg.type === "media")
          this.store.dispatch({
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
    this.store.dispatch({ type: "call/ice", callId, state: "disconnected" });
    this.peerLostTimer = setTimeout(() => {
      this.peerLostTimer = null;
      this.fail(callId, this.store.getState().call?.connectedAt ? "disconnected" : reason, true);
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
        if (route && this.peer === peer) this.store.dispatch({ type: "call/route", callId, route });
      } catch {
        // getStats can reject while the connection is closing.
      }
    };
    void tick();
    this.statsTimer = setInterval(() => void tick(), STATS_INTERVAL_MS);
  }

  private applyTrackState(): void {
    const call = this.store.getState().call;
    if (!call || !this.localStream) return;
    for (const t of this.localStream.getAudioTracks()) t.enabled = !call.muted;
    for (const t of this.localStream.getVideoTracks()) t.enabled = !call.cameraOff;
    this.sendMediaState();
  }

  /** Tell the other side (over the peer's data channel) so it can show "muted" / "camera off". */
  private sendMediaState(): void {
    const call = this.store.getState().call;
    if (!call || !this.peer?.connected) return;
    const msg: MediaMessage = { type: "media", muted: call.muted, cameraOff: call.cameraOff };
    try {
      this.peer.send(JSON.stringify(msg));
    } catch {
      // The channel may be closing; the state is cosmetic.
    }
  }

  /** End the current call for a reason this side discovered; `tellServer` when the server doesn't know yet. */
  private fail(callId: string, reason: EndReason, tellServer: boolean): void {
    if (!this.isCurrent(callId)) return;
    if (tellServer) this.deps.socket.emit("call:end", { callId }, () => {});
    this.cleanup();
    this.store.dispatch({ type: "call/ended", callId, reason, at: Date.now() });
  }

  private cleanup(): void {
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
    this.closeNotification();
  }

  // ---- notifications ----------------------------------------------------------

  private notifyIfHidden(e: CallIncomingEvent): void {
    if (typeof document === "undefined" || !document.hidden) return;
    if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
    try {
      const n = new Notification(this.t.incomingCall, {
        body: e.video ? this.t.incomingVideo(e.from.displayName) : this.t.incomingAudio(e.from.displayName),
        tag: `call-${e.callId}`,
        requireInteraction: true,
      });
      n.onclick = () => {
        window.focus();
        n.close();
      };
      this.notification = n;
    } catch {
      // Some browsers only allow notifications from a service worker; the dialog and ringtone remain.
    }
  }

  private closeNotification(): void {
    this.notification?.close();
    this.notification = null;
  }

  // ---- meetings ---------------------------------------------------------------

  private onMeetingStarted(e: MeetingStartedEvent): void {
    this.store.dispatch({ type: "meeting/announced", event: e, at: Date.now() });
    if (e.startedBy === this.deps.me.id) return;
    // The event names neither the group nor the starter; one GET lets a notice outside the group say both.
    void (async () => {
      try {
        const res = await this.deps.apiFetch(`/api/conversations/${encodeURIComponent(e.conversationId)}`);
        if (!res.ok) return;
        const parsed = ConversationResponse.safeParse(await res.json());
        if (!parsed.success) return;
        const c = parsed.data.conversation;
        const starterName = c.members.find((m) => m.user.id === e.startedBy)?.user.displayName ?? null;
        this.store.dispatch({ type: "meeting/details", conversationId: c.id, title: c.title, starterName });
      } catch {
        // The notice falls back to a generic text.
      }
    })();
  }

  /** <MeetingBanner/> tells us while it is on screen, so the same meeting is not announced twice. */
  bannerOnScreen(conversationId: string): () => void {
    this.store.dispatch({ type: "meeting/banner", conversationId, onScreen: true });
    return () => this.store.dispatch({ type: "meeting/banner", conversationId, onScreen: false });
  }

  private async openMeeting(conversationId: string, title: string | null, method: "GET" | "POST"): Promise<void> {
    this.store.dispatch({ type: "meeting/loading", conversationId, title });
    try {
      const res = await this.deps.apiFetch(
        `/api/conversations/${encodeURIComponent(conversationId)}/meeting`,
        method === "POST" ? { method, headers: { "content-type": "application/json" }, body: "{}" } : { method },
      );
      const body: unknown = await res.json().catch(() => null);
      const parsed = MeetingResponse.safeParse(body);
      if (!res.ok || !parsed.success) {
        const message = (body as { error?: { message?: string } } | null)?.error?.message;
        this.store.dispatch({ type: "meeting/failed", conversationId, message: message ?? this.t.meetingFailed });
        return;
      }
      this.store.dispatch({ type: "meeting/open", conversationId, meeting: parsed.data });
    } catch {
      this.store.dispatch({ type: "meeting/failed", conversationId, message: this.t.meetingFailed });
    }
  }
}
