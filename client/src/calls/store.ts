// Call and meeting state as a pure reducer (unit-tested without a browser) plus a tiny
// subscribable store for React's useSyncExternalStore. Side effects live in controller.ts.
import type {
  CallEndReason,
  CallIncomingEvent,
  MeetingProvider,
  MeetingResponse,
  MeetingStartedEvent,
  MeetingState,
  User,
} from "@messenger/protocol";
import type { CallHealth } from "./health";
import { type MeshAction, type MeshView, reduceMesh } from "./mesh-store";

/** Server reasons plus the ones only this client can know. */
export type EndReason = CallEndReason | "failed" | "media-denied" | "unavailable" | "self-busy";

export type CallPhase = "outgoing" | "incoming" | "connecting" | "connected" | "reconnecting" | "ended";

import type { MediaRoute } from "./route";

export type { MediaRoute } from "./route";

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
  health: CallHealth | null;
  /** This side shares its screen / the other side shares theirs (shown large). */
  sharing: boolean;
  remoteScreen: boolean;
  muted: boolean;
  cameraOff: boolean;
  remoteMuted: boolean;
  remoteCameraOff: boolean;
  localStream: MediaStream | null;
  remoteStream: MediaStream | null;
}

export interface MeetingAnnouncement {
  conversationId: string;
  meetingId?: string;
  provider?: MeetingProvider;
  /** The Jitsi room (absent for the built-in call). */
  url?: string;
  startedBy: string | null;
  participantIds?: string[];
  at: number;
  /** Filled in after the event (one GET of the conversation), for a notice outside the group. */
  title?: string | null;
  starterName?: string | null;
}

/** `title`: the group's title, for the meeting window's header. */
export type MeetingView =
  | { status: "loading"; conversationId: string; title: string | null }
  | { status: "open"; conversationId: string; title: string | null; meeting: MeetingResponse; meetingId?: string }
  | { status: "failed"; conversationId: string; title: string | null; message: string };

export interface CallsState {
  call: ActiveCall | null;
  /** meeting:started announcements, by conversation, until joined or dismissed. */
  meetings: Record<string, MeetingAnnouncement>;
  /** The meeting this user has open (or is opening). */
  meeting: MeetingView | null;
  /** Conversations whose <MeetingBanner/> is on screen (mount counts): no extra notice for those. */
  bannersOnScreen: Record<string, number>;
  /** The built-in group call this user is in. */
  mesh: MeshView | null;
  /** The call or meeting is shrunk to a picture-in-picture panel (chat stays usable). */
  minimized: boolean;
  /** Meetings whose banner this user dismissed, by conversation. */
  dismissed: Record<string, string>;
  /** What "Start meeting" starts on this server (learnt from the first GET of a meeting's state). */
  provider: { provider: MeetingProvider; maxParticipants: number | null } | null;
}

export const initialCallsState: CallsState = {
  call: null,
  meetings: {},
  meeting: null,
  bannersOnScreen: {},
  mesh: null,
  minimized: false,
  dismissed: {},
  provider: null,
};

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
  | { type: "call/health"; callId: string; health: CallHealth }
  | { type: "call/sharing"; callId: string; sharing: boolean }
  | { type: "call/remote-screen"; callId: string; screen: boolean }
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
  | { type: "meeting/open"; conversationId: string; meeting: MeetingResponse; meetingId?: string }
  | { type: "meeting/failed"; conversationId: string; message: string }
  | { type: "meeting/close" }
  /** The running meeting of a conversation as the server says (GET, meeting:updated); null: none. */
  | { type: "meeting/state"; conversationId: string; meeting: MeetingState | null }
  | { type: "view/minimized"; minimized: boolean }
  | { type: "meeting/provider"; provider: MeetingProvider; maxParticipants: number | null }
  | MeshAction;

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
    health: null,
    sharing: false,
    remoteScreen: false,
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
    case "call/health":
      return { ...call, health: action.health, route: action.health.route ?? call.route };
    case "call/sharing":
      return { ...call, sharing: action.sharing };
    case "call/remote-screen":
      return call.remoteScreen === action.screen ? call : { ...call, remoteScreen: action.screen };
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
      const { conversationId, url, startedBy, provider, meetingId } = action.event;
      return {
        ...state,
        meetings: {
          ...state.meetings,
          [conversationId]: { conversationId, url, startedBy, provider, meetingId, at: action.at },
        },
      };
    }
    case "meeting/state": {
      const { conversationId, meeting } = action;
      const known = state.meetings[conversationId];
      if (!meeting) {
        if (!known) return state;
        const { [conversationId]: _over, ...rest } = state.meetings;
        return { ...state, meetings: rest };
      }
      if (state.dismissed[conversationId] === meeting.id) return state;
      const announcement: MeetingAnnouncement = {
        ...known,
        conversationId,
        meetingId: meeting.id,
        provider: meeting.provider,
        startedBy: meeting.startedBy,
        participantIds: meeting.participantIds,
        at: known?.meetingId === meeting.id ? known.at : Date.parse(meeting.startedAt) || Date.now(),
      };
      return { ...state, meetings: { ...state.meetings, [conversationId]: announcement } };
    }
    case "meeting/provider":
      return state.provider?.provider === action.provider && state.provider.maxParticipants === action.maxParticipants
        ? state
        : { ...state, provider: { provider: action.provider, maxParticipants: action.maxParticipants } };
    case "view/minimized":
      return state.minimized === action.minimized ? state : { ...state, minimized: action.minimized };
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
      const gone = state.meetings[action.conversationId];
      if (!gone) return state;
      const { [action.conversationId]: _gone, ...rest } = state.meetings;
      const dismissed = gone.meetingId
        ? { ...state.dismissed, [action.conversationId]: gone.meetingId }
        : state.dismissed;
      return { ...state, meetings: rest, dismissed };
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
          meetingId: action.meetingId,
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
      if (action.type.startsWith("mesh/")) {
        const mesh = reduceMesh(state.mesh, action as MeshAction);
        if (mesh === state.mesh) return state;
        // Leaving restores the full-size view for the next call.
        return { ...state, mesh, minimized: mesh ? state.minimized : false };
      }
      const call = reduceCall(state.call, action);
      if (call === state.call) return state;
      return { ...state, call, minimized: call && call.phase !== "ended" ? state.minimized : false };
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
