// The flow of a 1:1 call — invite, ring, accept or decline, hang up, and the server's call:* events —
// and the one object the components talk to. The call's media and connection are peer-session.ts;
// meetings are meeting.ts. State goes through the store.
import type {
  CallAcceptedEvent,
  CallEndedEvent,
  CallIncomingEvent,
  CallSignalEvent,
  Conversation,
  MeetingSignalEvent,
  MeetingStartedEvent,
  MeetingUpdatedEvent,
} from "@messenger/protocol";
import { withAck } from "../core/ack";
import type { ApiFetch, CallsSocket } from "./deps";
import { type CallStrings, callStrings } from "./i18n";
import { createIceServerCache } from "./ice";
import { Meetings } from "./meeting";
import { MeshSession } from "./mesh-session";
import { PeerSession } from "./peer-session";
import { type CallStore, createCallStore, type EndReason, isCallActive } from "./store";

export interface ControllerDeps {
  socket: CallsSocket;
  apiFetch: ApiFetch;
  me: { id: string };
  forceRelay: boolean;
  strings?: CallStrings;
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
  private readonly peerSession: PeerSession;
  private readonly meetings: Meetings;
  private readonly mesh: MeshSession;
  private notification: Notification | null = null;

  constructor(deps: ControllerDeps, store: CallStore = createCallStore()) {
    this.deps = deps;
    this.store = store;
    this.peerSession = new PeerSession({
      socket: deps.socket,
      apiFetch: deps.apiFetch,
      forceRelay: deps.forceRelay,
      store,
      isCurrent: (callId) => this.isCurrent(callId),
      fail: (callId, reason, tellServer) => this.fail(callId, reason, tellServer),
    });
    this.mesh = new MeshSession({
      socket: deps.socket,
      getIceServers: createIceServerCache(deps.apiFetch),
      store,
      me: deps.me,
      forceRelay: deps.forceRelay,
    });
    this.meetings = new Meetings({
      apiFetch: deps.apiFetch,
      socket: deps.socket,
      mesh: this.mesh,
      me: deps.me,
      store,
      strings: () => this.t,
    });
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
    const onSignal = (e: CallSignalEvent) => this.peerSession.signal(e.callId, e.data);
    const onEnded = (e: CallEndedEvent) => this.onEnded(e);
    const onMeeting = (e: MeetingStartedEvent) => this.meetings.onStarted(e);
    const onMeetingUpdated = (e: MeetingUpdatedEvent) => this.meetings.onUpdated(e);
    const onMeetingSignal = (e: MeetingSignalEvent) => this.mesh.onSignal(e);
    // A reconnect is a new socket: the group call's signals must follow it.
    const onReconnect = () => {
      if (this.mesh.current) void this.meetings.rejoin();
    };
    // Closing the tab mid-call: tell the other side now rather than after the server's grace period.
    const onPageHide = () => {
      const call = this.store.getState().call;
      if (isCallActive(call)) socket.emit("call:end", { callId: call.callId }, () => {});
      const meetingId = this.mesh.current;
      if (meetingId) socket.emit("meeting:leave", { meetingId }, () => {});
    };
    socket.on("call:incoming", onIncoming);
    socket.on("call:accepted", onAccepted);
    socket.on("call:signal", onSignal);
    socket.on("call:ended", onEnded);
    socket.on("meeting:started", onMeeting);
    socket.on("meeting:updated", onMeetingUpdated);
    socket.on("meeting:signal", onMeetingSignal);
    socket.on("connect", onReconnect);
    window.addEventListener("pagehide", onPageHide);
    return () => {
      socket.off("call:incoming", onIncoming);
      socket.off("call:accepted", onAccepted);
      socket.off("call:signal", onSignal);
      socket.off("call:ended", onEnded);
      socket.off("meeting:started", onMeeting);
      socket.off("meeting:updated", onMeetingUpdated);
      socket.off("meeting:signal", onMeetingSignal);
      socket.off("connect", onReconnect);
      window.removeEventListener("pagehide", onPageHide);
      this.mesh.leave();
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
    this.peerSession.begin(callId);
    this.store.dispatch({ type: "call/outgoing", callId, conversationId: conversation.id, peer, video });
    // Ring at once; the camera starts and the TURN credentials arrive while the other side rings.
    this.peerSession.prefetchIceServers();
    void this.peerSession.startMedia(callId, video);
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
    void this.peerSession.startMedia(callId, call.video);
    const ack = await withAck<{ initiator: boolean }>((cb) => this.deps.socket.emit("call:accept", { callId }, cb));
    if (!this.isCurrent(callId)) return;
    if (!ack.ok) return this.fail(callId, "unavailable", ack.error.code === "timeout");
    this.store.dispatch({ type: "call/accepted", callId, initiator: ack.initiator });
    await this.peerSession.start(callId, ack.initiator);
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
    this.peerSession.applyTrackState();
  }

  toggleCamera(): void {
    const call = this.store.getState().call;
    if (!isCallActive(call)) return;
    this.store.dispatch({ type: "call/toggle-camera", callId: call.callId });
    this.peerSession.applyTrackState();
  }

  // ---- meetings (meeting.ts) -----------------------------------------------------

  /** Starts or joins the group's meeting: the built-in call, or Jitsi when the server has one. */
  startMeeting(conversationId: string, title: string | null = null): Promise<void> {
    return this.meetings.join(conversationId, title);
  }

  /** Reads the group's running meeting (the banner after a reload) and what "Start meeting" starts. */
  refreshMeeting(conversationId: string): Promise<void> {
    return this.meetings.refresh(conversationId);
  }

  toggleMeshMute(): void {
    this.mesh.toggleMute();
  }

  toggleMeshCamera(): void {
    this.mesh.toggleCamera();
  }

  /** Share the screen in the current call or meeting (again: stop and show the camera). */
  toggleScreen(): Promise<void> {
    if (this.mesh.current) return this.mesh.toggleScreen();
    return this.peerSession.toggleScreen();
  }

  /** Shrink the call to a movable panel (keep chatting), or bring it back. */
  setMinimized(minimized: boolean): void {
    this.store.dispatch({ type: "view/minimized", minimized });
  }

  joinMeeting(conversationId: string, title: string | null = null): Promise<void> {
    return this.meetings.join(conversationId, title);
  }

  closeMeeting(): void {
    this.meetings.close();
  }

  dismissMeetingBanner(conversationId: string): void {
    this.meetings.dismissBanner(conversationId);
  }

  /** <MeetingBanner/> tells us while it is on screen, so the same meeting is not announced twice. */
  bannerOnScreen(conversationId: string): () => void {
    return this.meetings.bannerOnScreen(conversationId);
  }

  // ---- socket events ----------------------------------------------------------

  private onIncoming(e: CallIncomingEvent): void {
    this.store.dispatch({ type: "call/incoming", event: e });
    const call = this.store.getState().call;
    if (call?.callId !== e.callId || call.phase !== "incoming") return;
    this.peerSession.begin(e.callId);
    this.notifyIfHidden(e);
  }

  private onAccepted(e: CallAcceptedEvent): void {
    const call = this.store.getState().call;
    // The callee's own device learns the initiator from its accept ack instead.
    if (call?.callId !== e.callId || call.direction !== "outgoing") return;
    this.store.dispatch({ type: "call/accepted", callId: e.callId, initiator: e.initiator });
    void this.peerSession.start(e.callId, e.initiator);
  }

  private onEnded(e: CallEndedEvent): void {
    const call = this.store.getState().call;
    if (call?.callId !== e.callId) return;
    this.cleanup();
    this.store.dispatch({ type: "call/ended", callId: e.callId, reason: e.reason, at: Date.now() });
  }

  /** End the current call for a reason this side discovered; `tellServer` when the server doesn't know yet. */
  private fail(callId: string, reason: EndReason, tellServer: boolean): void {
    if (!this.isCurrent(callId)) return;
    if (tellServer)
      this.deps.socket.emit("call:end", reason === "failed" ? { callId, reason: "failed" } : { callId }, () => {});
    this.cleanup();
    this.store.dispatch({ type: "call/ended", callId, reason, at: Date.now() });
  }

  private cleanup(): void {
    this.peerSession.close();
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
}
