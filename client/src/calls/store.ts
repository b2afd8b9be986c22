// Call and meeting state as a pure reducer (unit-tested without a browser) plus a tiny
// subscribable store for React's useSyncExternalStore. Side effects live in controller.ts.
import type { CallEndReason, CallIncomingEvent, MeetingResponse, MeetingStartedEvent, User } from "@messenger/protocol";

/** Server reasons plus the ones only this client can know. */
export type EndReason = CallEndReason | "failed" | "media-denied" | "unavailable" | "self-busy";

export type CallPhase = "outgoing" | "incoming" | "connecting" | "connected" | "reconnecting" | "ended";
export type MediaRoute = "relay" | "direct";

export interface ActiveCall {
  callId: string;
  conversationId: string;
  direction: "outgoing" | "incoming";
  /** The other participant (null only if the conversation did not tell us). */
  peer: User | null;
  video: boolean;
  phase: CallPhase;
  /** Set once the server has said who creates the offer. */
  initiator: boolean | null;
  /** First time media connected; the in-call timer counts from here. */
  connectedAt: number | null;
  endedAt: number | null;
  endedReason: EndReason | null;
  route: MediaRoute | null;
  muted: boolean;
  cameraOff: boolean;
  remoteMuted: boolean;
  remoteCameraOff: boolean;
  localStream: MediaStream | null;
  remoteStream: MediaStream | null;
}

export interface MeetingAnnouncement {
  conversationId: string;
  url: string;
  startedBy: string;
  at: number;
  /** Filled in after the event (one GET of the conversation), for a notice outside the group. */
  title?: string | null;
  starterName?: string | null;
}

/** `title`: the group's title, for the meeting window's header. */
export type MeetingView =
  | { status: "loading"; conversationId: string; title: string | null }
  | { status: "open"; conversationId: string; title: string | null; meeting: MeetingResponse }
  | { status: "failed"; conversationId: string; title: string | null; message: string };

export interface CallsState {
  call: ActiveCall | null;
  /** meeting:started announcements, by conversation, until joined or dismissed. */
  meetings: Record<string, MeetingAnnouncement>;
  /** The meeting this user has open (or is opening). */
  meeting: MeetingView | null;
  /** Conversations whose <MeetingBanner/> is on screen (mount counts): no extra notice for those. */
  bannersOnScreen: Record<string, number>;
}

export const initialCallsState: CallsState = { call: null, meetings: {}, meeting: null, bannersOnScreen: {} };

export type CallsAction =
  | { type: "call/outgoing"; callId: string; conversationId: string; peer: User | null; video: boolean }
  | { type: "call/incoming"; event: CallIncomingEvent }
  | { type: "call/accepting"; callId: string }
  | { type: "call/accepted"; callId: string; initiator: boolean }
  | { type: "call/local-stream"; callId: string; stream: MediaStream }
  | { type: "call/remote-stream"; callId: string; stream: MediaStream }
  | { type: "call/connected"; callId: string; at: number }
  | { type: "call/ice"; callId: string; state: string }
  | { type: "call/route"; callId: string; route: MediaRoute }
  | { type: "call/remote-media"; callId: string; muted: boolean; cameraOff: boolean }
  | { type: "call/toggle-mute"; callId: string }
  | { type: "call/toggle-camera"; callId: string }
  | { type: "call/ended"; callId: string; reason: EndReason; at: number }
  /** This user hung up, cancelled or declined: nothing to explain, the view just closes. */
  | { type: "call/closed"; callId: string }
  | { type: "call/dismiss" }
  | { type: "meeting/announced"; event: MeetingStartedEvent; at: number }
  | { type: "meeting/details"; conversationId: string; title: string | null; starterName: string | null }
  | { type: "meeting/banner"; conversationId: string; onScreen: boolean }
  | { type: "meeting/dismiss-banner"; conversationId: string }
  | { type: "meeting/loading"; conversationId: string; title: string | null }
  | { type: "meeting/open"; conversationId: string; meeting: MeetingResponse }
  | { type: "meeting/failed"; conversationId: string; message: string }
  | { type: "meeting/close" };

/** A call occupies the user (for busy checks) until it has ended. */
export function isCallActive(call: ActiveCall | null): call is ActiveCall {
  return call !== null && call.phase !== "ended";
}

function newCall(
  fields: Pick<ActiveCall, "callId" | "conversationId" | "direction" | "peer" | "video" | "phase">,
): ActiveCall {
  return {
    ...fields,
    initiator: null,
    connectedAt: null,
    endedAt: null,
    endedReason: null,
    route: null,
    muted: false,
    cameraOff: false,
    remoteMuted: false,
    remoteCameraOff: false,
    localStream: null,
    remoteStream: null,
  };
}

function reduceCall(call: ActiveCall | null, action: CallsAction): ActiveCall | null {
  switch (action.type) {
    case "call/outgoing":
      if (isCallActive(call)) return call;
      return newCall({
        callId: action.callId,
        conversationId: action.conversationId,
        direction: "outgoing",
        peer: action.peer,
        video: action.video,
        phase: "outgoing",
      });
    case "call/incoming": {
      // While busy the server answers "busy" for us; a second dialog would only confuse.
      if (isCallActive(call)) return call;
      const e = action.event;
      return newCall({
        callId: e.callId,
        conversationId: e.conversationId,
        direction: "incoming",
        peer: e.from,
        video: e.video,
        phase: "incoming",
      });
    }
    case "call/dismiss":
      return call?.phase === "ended" ? null : call;
  }

  if (!call || !("callId" in action) || action.callId !== call.callId) return call;
  // Late events for a finished call (a last candidate, a stats tick) change nothing.
  if (call.phase === "ended") return call;

  switch (action.type) {
    case "call/accepting":
      return call.phase === "incoming" ? { ...call, phase: "connecting" } : call;
    case "call/accepted":
      if (call.initiator !== null) return call;
      return {
        ...call,
        initiator: action.initiator,
        phase: call.phase === "outgoing" || call.phase === "incoming" ? "connecting" : call.phase,
      };
    case "call/local-stream":
      return { ...call, localStream: action.stream };
    case "call/remote-stream":
      return { ...call, remoteStream: action.stream };
    case "call/connected":
      return { ...call, phase: "connected", connectedAt: call.connectedAt ?? action.at };
    case "call/ice":
      if (action.state === "disconnected" && call.phase === "connected") return { ...call, phase: "reconnecting" };
      if ((action.state === "connected" || action.state === "completed") && call.phase === "reconnecting")
        return { ...call, phase: "connected" };
      return call;
    case "call/route":
      return call.route === action.route ? call : { ...call, route: action.route };
    case "call/remote-media":
      return { ...call, remoteMuted: action.muted, remoteCameraOff: action.cameraOff };
    case "call/toggle-mute":
      return { ...call, muted: !call.muted };
    case "call/toggle-camera":
      return call.video ? { ...call, cameraOff: !call.cameraOff } : call;
    case "call/ended":
      // A ring that stopped (caller gave up, another device answered, nobody picked up)
      // needs no explanation on the callee's side: the call log in the chat says "missed".
      if (call.phase === "incoming") return null;
      return {
        ...call,
        phase: "ended",
        endedReason: action.reason,
        endedAt: action.at,
        localStream: null,
        remoteStream: null,
      };
    case "call/closed":
      return null;
    default:
      return call;
  }
}

function titleFor(view: MeetingView | null, conversationId: string): string | null {
  return view?.conversationId === conversationId ? view.title : null;
}

/** The newest announcement to show as a notice: not mine, not on screen as a banner, not the open meeting. */
export function meetingNotice(state: CallsState, myId: string): MeetingAnnouncement | null {
  let newest: MeetingAnnouncement | null = null;
  for (const a of Object.values(state.meetings)) {
    if (a.startedBy === myId || state.bannersOnScreen[a.conversationId]) continue;
    if (state.meeting && state.meeting.conversationId === a.conversationId) continue;
    if (!newest || a.at > newest.at) newest = a;
  }
  return newest;
}

export function callsReducer(state: CallsState, action: CallsAction): CallsState {
  switch (action.type) {
    case "meeting/announced": {
      const { conversationId, url, startedBy } = action.event;
      return {
        ...state,
        meetings: { ...state.meetings, [conversationId]: { conversationId, url, startedBy, at: action.at } },
      };
    }
    case "meeting/details": {
      const a = state.meetings[action.conversationId];
      if (!a) return state;
      const updated = { ...a, title: action.title, starterName: action.starterName };
      return { ...state, meetings: { ...state.meetings, [action.conversationId]: updated } };
    }
    case "meeting/banner": {
      const n = (state.bannersOnScreen[action.conversationId] ?? 0) + (action.onScreen ? 1 : -1);
      const { [action.conversationId]: _old, ...rest } = state.bannersOnScreen;
      return { ...state, bannersOnScreen: n > 0 ? { ...rest, [action.conversationId]: n } : rest };
    }
    case "meeting/dismiss-banner": {
      if (!(action.conversationId in state.meetings)) return state;
      const { [action.conversationId]: _gone, ...rest } = state.meetings;
      return { ...state, meetings: rest };
    }
    case "meeting/loading":
      return {
        ...state,
        meeting: { status: "loading", conversationId: action.conversationId, title: action.title },
      };
    case "meeting/open": {
      // Joined: the banner for this conversation has done its job.
      const { [action.conversationId]: _joined, ...rest } = state.meetings;
      return {
        ...state,
        meetings: rest,
        meeting: {
          status: "open",
          conversationId: action.conversationId,
          title: titleFor(state.meeting, action.conversationId),
          meeting: action.meeting,
        },
      };
    }
    case "meeting/failed":
      return {
        ...state,
        meeting: {
          status: "failed",
          conversationId: action.conversationId,
          title: titleFor(state.meeting, action.conversationId),
          message: action.message,
        },
      };
    case "meeting/close":
      return state.meeting ? { ...state, meeting: null } : state;
    default: {
      const call = reduceCall(state.call, action);
      return call === state.call ? state : { ...state, call };
    }
  }
}

export interface CallStore {
  getState(): CallsState;
  dispatch(action: CallsAction): void;
  subscribe(listener: () => void): () => void;
}

export function createCallStore(initial: CallsState = initialCallsState): CallStore {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = callsReducer(state, action);
      if (next === state) return;
      state = next;
      for (const l of listeners) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
