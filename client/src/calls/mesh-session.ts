// The built-in group call: one simple-peer connection to every other participant, signalled with
// `meeting:signal` (addressed to one participant, relayed by chat-service only within the meeting).
// Whoever joins makes the offers to those already there, so two sides never offer at once. Each
// connection's signals carry a `link` id: a participant who rejoins (reload) starts a new link.
import type { MeetingSignalEvent, MeetingState, MeetingUpdatedEvent } from "@messenger/protocol";
import Peer from "@thaunknown/simple-peer";
import type { CallsSocket } from "./deps";
import { CONNECT_TIMEOUT_MS, type HealthSample, healthFromStats } from "./health";
import type { MeshPeerView } from "./mesh-store";
import { captureScreen, sendVideo } from "./screen";
import type { CallStore } from "./store";

const STATS_INTERVAL_MS = 2_000;

export interface MeshSessionDeps {
  socket: CallsSocket;
  getIceServers(): Promise<RTCIceServer[]>;
  store: CallStore;
  me: { id: string };
  forceRelay: boolean;
}

type MediaMessage = { type: "media"; muted: boolean; cameraOff: boolean; screen: boolean };
type Wire = { link: string; signal: Record<string, unknown> };

interface Link {
  id: string;
  peer: Peer;
  connectTimer: ReturnType<typeof setTimeout> | null;
  statsTimer: ReturnType<typeof setInterval> | null;
  sample: HealthSample | null;
}

const newLinkId = () => crypto.randomUUID();

export class MeshSession {
  private readonly deps: MeshSessionDeps;
  private meetingId: string | null = null;
  private camera: MediaStream | null = null;
  private screenTrack: MediaStreamTrack | null = null;
  private iceServers: RTCIceServer[] = [];
  private ready = false;
  private readonly links = new Map<string, Link>();
  /** Signals that arrived before our camera was ready, by sender. */
  private readonly early = new Map<string, Wire[]>();

  constructor(deps: MeshSessionDeps) {
    this.deps = deps;
  }

  get current(): string | null {
    return this.meetingId;
  }

  /** Joined (the server answered): open the camera, then offer to everyone already there. */
  async start(meeting: MeetingState, title: string | null): Promise<boolean> {
    const { store } = this.deps;
    this.close();
    this.meetingId = meeting.id;
    store.dispatch({
      type: "mesh/open",
      conversationId: meeting.conversationId,
      meetingId: meeting.id,
      title,
      participantIds: meeting.participantIds,
    });
    let stream: MediaStream | null = null;
    try {
      [stream, this.iceServers] = await Promise.all([
        navigator.mediaDevices.getUserMedia({
          audio: { echoCancellation: true, noiseSuppression: true },
          video: { width: { ideal: 640 }, height: { ideal: 360 } },
        }),
        this.deps.getIceServers(),
      ]);
    } catch {
      for (const t of stream?.getTracks() ?? []) t.stop();
      if (this.meetingId === meeting.id) this.leave();
      return false;
    }
    if (this.meetingId !== meeting.id) {
      for (const t of stream.getTracks()) t.stop();
      return false;
    }
    this.camera = stream;
    this.ready = true;
    store.dispatch({ type: "mesh/local-stream", meetingId: meeting.id, stream });
    for (const userId of meeting.participantIds)
      if (userId !== this.deps.me.id) this.connect(userId, newLinkId(), true);
    for (const [from, wires] of this.early) for (const w of wires) this.onWire(from, w);
    this.early.clear();
    return true;
  }

  /**
   * Back after a lost connection (a new socket, joined again): connections that survived go on;
   * anyone we have no live connection with gets a fresh offer (they may have dropped us meanwhile).
   */
  resume(meeting: MeetingState): void {
    if (meeting.id !== this.meetingId || !this.ready) return;
    this.deps.store.dispatch({
      type: "mesh/participants",
      meetingId: meeting.id,
      participantIds: meeting.participantIds,
    });
    for (const userId of meeting.participantIds) {
      if (userId === this.deps.me.id) continue;
      const link = this.links.get(userId);
      if (link && link.peer.connected && !link.peer.destroyed) continue;
      this.drop(userId);
      this.connect(userId, newLinkId(), true);
    }
  }

  onSignal(e: MeetingSignalEvent): void {
    if (e.meetingId !== this.meetingId) return;
    const w = e.data as Partial<Wire>;
    if (typeof w.link !== "string" || !w.signal || typeof w.signal !== "object") return;
    const wire = { link: w.link, signal: w.signal as Record<string, unknown> };
    if (!this.ready) {
      const list = this.early.get(e.from) ?? [];
      list.push(wire);
      this.early.set(e.from, list);
      return;
    }
    this.onWire(e.from, wire);
  }

  private onWire(from: string, w: Wire): void {
    let link = this.links.get(from);
    if (link?.id !== w.link) {
      // A new link is always opened by an offer from the one who joined.
      if (w.signal.type !== "offer") return;
      this.drop(from);
      link = this.connect(from, w.link, false);
    }
    if (!link.peer.destroyed) link.peer.signal(w.signal);
  }

  /** Someone left (or the meeting ended): drop their connection. */
  onUpdated(e: MeetingUpdatedEvent): void {
    if (!this.meetingId) return;
    const { store } = this.deps;
    if (e.meeting === null || e.meeting.id !== this.meetingId) {
      const mine = store.getState().mesh;
      if (mine?.conversationId === e.conversationId) this.close();
      return;
    }
    store.dispatch({ type: "mesh/participants", meetingId: this.meetingId, participantIds: e.meeting.participantIds });
    for (const userId of [...this.links.keys()]) if (!e.meeting.participantIds.includes(userId)) this.drop(userId);
  }

  private connect(userId: string, linkId: string, initiator: boolean): Link {
    const meetingId = this.meetingId as string;
    const { store, socket } = this.deps;
    const peer = new Peer({
      initiator,
      stream: this.camera ?? undefined,
      trickle: true,
      config: { iceServers: this.iceServers, iceTransportPolicy: this.deps.forceRelay ? "relay" : "all" },
    });
    const link: Link = { id: linkId, peer, connectTimer: null, statsTimer: null, sample: null };
    this.links.set(userId, link);
    const mine = () => this.links.get(userId) === link && this.meetingId === meetingId;
    const patch = (p: Partial<Omit<MeshPeerView, "userId">>) => this.patchPeer(userId, p);
    patch({ phase: "connecting", stream: null });
    peer.on("signal", (signal) => {
      if (mine()) socket.emit("meeting:signal", { meetingId, to: userId, data: { link: linkId, signal } }, () => {});
    });
    peer.on("stream", (stream) => {
      if (mine()) patch({ stream });
    });
    peer.on("connect", () => {
      if (!mine()) return;
      if (link.connectTimer) clearTimeout(link.connectTimer);
      patch({ phase: "connected" });
      // Already sharing: this newcomer sees the screen, not the camera.
      if (this.screenTrack) void sendVideo(peer._pc, this.screenTrack);
      this.sendMediaState(peer);
      this.pollHealth(userId, link);
    });
    peer.on("iceStateChange", (state) => {
      if (mine() && state === "failed") patch({ phase: "failed" });
    });
    peer.on("data", (raw) => {
      if (!mine()) return;
      try {
        const msg = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw)) as MediaMessage;
        if (msg.type === "media")
          patch({ muted: Boolean(msg.muted), cameraOff: Boolean(msg.cameraOff), screen: Boolean(msg.screen) });
      } catch {
        // Not ours to understand.
      }
    });
    peer.on("error", () => {
      if (mine()) patch({ phase: "failed" });
    });
    peer.on("close", () => {
      if (mine() && store.getState().mesh?.peers[userId]?.phase !== "connected") patch({ phase: "failed" });
    });
    link.connectTimer = setTimeout(() => {
      if (mine() && !peer.connected) patch({ phase: "failed" });
    }, CONNECT_TIMEOUT_MS);
    return link;
  }

  private patchPeer(userId: string, patch: Partial<Omit<MeshPeerView, "userId">>) {
    if (!this.meetingId) return;
    this.deps.store.dispatch({ type: "mesh/peer", meetingId: this.meetingId, userId, patch });
  }

  private pollHealth(userId: string, link: Link): void {
    const tick = async () => {
      const pc = link.peer._pc;
      if (!pc || this.links.get(userId) !== link) return;
      try {
        const report = await pc.getStats();
        const { health, sample } = healthFromStats(
          report.values() as Iterable<{ id?: string; type?: string }>,
          link.sample,
          Date.now(),
        );
        link.sample = sample;
        if (this.links.get(userId) === link) this.patchPeer(userId, { health });
      } catch {
        // getStats can reject while the connection is closing.
      }
    };
    void tick();
    link.statsTimer = setInterval(() => void tick(), STATS_INTERVAL_MS);
  }

  private drop(userId: string): void {
    const link = this.links.get(userId);
    if (!link) return;
    this.links.delete(userId);
    if (link.connectTimer) clearTimeout(link.connectTimer);
    if (link.statsTimer) clearInterval(link.statsTimer);
    link.peer.destroy();
    if (this.meetingId) this.deps.store.dispatch({ type: "mesh/peer-gone", meetingId: this.meetingId, userId });
  }

  toggleMute(): void {
    this.deps.store.dispatch({ type: "mesh/toggle-mute", meetingId: this.meetingId ?? "" });
    this.applyTrackState();
  }

  toggleCamera(): void {
    this.deps.store.dispatch({ type: "mesh/toggle-camera", meetingId: this.meetingId ?? "" });
    this.applyTrackState();
  }

  private applyTrackState(): void {
    const mesh = this.deps.store.getState().mesh;
    if (!mesh || !this.camera) return;
    for (const t of this.camera.getAudioTracks()) t.enabled = !mesh.muted;
    for (const t of this.camera.getVideoTracks()) t.enabled = !mesh.cameraOff;
    for (const link of this.links.values()) this.sendMediaState(link.peer);
  }

  private sendMediaState(peer: Peer): void {
    const mesh = this.deps.store.getState().mesh;
    if (!mesh || !peer.connected) return;
    const msg: MediaMessage = {
      type: "media",
      muted: mesh.muted,
      cameraOff: mesh.cameraOff,
      screen: this.screenTrack !== null,
    };
    try {
      peer.send(JSON.stringify(msg));
    } catch {
      // The channel may be closing; the state is cosmetic.
    }
  }

  /** Shares a screen with everyone (instead of the camera) until stopped, here or in the browser's bar. */
  async toggleScreen(): Promise<void> {
    const meetingId = this.meetingId;
    if (!meetingId) return;
    if (this.screenTrack) return this.stopScreen();
    const track = await captureScreen();
    if (!track || this.meetingId !== meetingId) {
      track?.stop();
      return;
    }
    this.screenTrack = track;
    track.addEventListener("ended", () => {
      if (this.screenTrack === track) void this.stopScreen();
    });
    await Promise.all([...this.links.values()].map((l) => sendVideo(l.peer._pc, track)));
    this.deps.store.dispatch({ type: "mesh/sharing", meetingId, sharing: true });
    for (const link of this.links.values()) this.sendMediaState(link.peer);
  }

  private async stopScreen(): Promise<void> {
    const track = this.screenTrack;
    this.screenTrack = null;
    track?.stop();
    const camera = this.camera?.getVideoTracks()[0] ?? null;
    await Promise.all([...this.links.values()].map((l) => sendVideo(l.peer._pc, camera)));
    if (this.meetingId) this.deps.store.dispatch({ type: "mesh/sharing", meetingId: this.meetingId, sharing: false });
    for (const link of this.links.values()) this.sendMediaState(link.peer);
  }

  /** Leave: tell the server (the last one out ends the meeting), then stop everything. */
  leave(): void {
    const meetingId = this.meetingId;
    if (meetingId) this.deps.socket.emit("meeting:leave", { meetingId }, () => {});
    this.close();
  }

  close(): void {
    for (const userId of [...this.links.keys()]) this.drop(userId);
    this.screenTrack?.stop();
    this.screenTrack = null;
    for (const t of this.camera?.getTracks() ?? []) t.stop();
    this.camera = null;
    this.ready = false;
    this.early.clear();
    if (this.meetingId) this.deps.store.dispatch({ type: "mesh/close" });
    this.meetingId = null;
  }
}
