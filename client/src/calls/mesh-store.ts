// The built-in group call's state (pure reducer, part of the calls store): who is in it, each
// peer's stream and connection, this user's own camera, microphone and screen.
import type { CallHealth } from "./health";

export type MeshPeerPhase = "connecting" | "connected" | "failed";

export interface MeshPeerView {
  userId: string;
  phase: MeshPeerPhase;
  stream: MediaStream | null;
  muted: boolean;
  cameraOff: boolean;
  /** They are sharing their screen: shown large. */
  screen: boolean;
  health: CallHealth | null;
}

export interface MeshView {
  conversationId: string;
  meetingId: string;
  title: string | null;
  participantIds: string[];
  /** Display names of the group's members (one GET of the conversation). */
  names: Record<string, string>;
  localStream: MediaStream | null;
  muted: boolean;
  cameraOff: boolean;
  sharing: boolean;
  peers: Record<string, MeshPeerView>;
}

export type MeshAction =
  | { type: "mesh/open"; conversationId: string; meetingId: string; title: string | null; participantIds: string[] }
  | { type: "mesh/local-stream"; meetingId: string; stream: MediaStream }
  | { type: "mesh/participants"; meetingId: string; participantIds: string[] }
  | { type: "mesh/peer"; meetingId: string; userId: string; patch: Partial<Omit<MeshPeerView, "userId">> }
  | { type: "mesh/peer-gone"; meetingId: string; userId: string }
  | { type: "mesh/toggle-mute"; meetingId: string }
  | { type: "mesh/toggle-camera"; meetingId: string }
  | { type: "mesh/sharing"; meetingId: string; sharing: boolean }
  | { type: "mesh/names"; meetingId: string; names: Record<string, string> }
  | { type: "mesh/close" };

const newPeer = (userId: string): MeshPeerView => ({
  userId,
  phase: "connecting",
  stream: null,
  muted: false,
  cameraOff: false,
  screen: false,
  health: null,
});

export function reduceMesh(mesh: MeshView | null, action: MeshAction): MeshView | null {
  if (action.type === "mesh/open")
    return {
      conversationId: action.conversationId,
      meetingId: action.meetingId,
      title: action.title,
      participantIds: action.participantIds,
      names: {},
      localStream: null,
      muted: false,
      cameraOff: false,
      sharing: false,
      peers: {},
    };
  if (action.type === "mesh/close") return null;
  // Late events of a meeting already left change nothing.
  if (!mesh || action.meetingId !== mesh.meetingId) return mesh;
  switch (action.type) {
    case "mesh/local-stream":
      return { ...mesh, localStream: action.stream };
    case "mesh/participants":
      return { ...mesh, participantIds: action.participantIds };
    case "mesh/peer": {
      const peer = mesh.peers[action.userId] ?? newPeer(action.userId);
      return { ...mesh, peers: { ...mesh.peers, [action.userId]: { ...peer, ...action.patch } } };
    }
    case "mesh/peer-gone": {
      if (!(action.userId in mesh.peers)) return mesh;
      const { [action.userId]: _gone, ...rest } = mesh.peers;
      return { ...mesh, peers: rest };
    }
    case "mesh/toggle-mute":
      return { ...mesh, muted: !mesh.muted };
    case "mesh/toggle-camera":
      return { ...mesh, cameraOff: !mesh.cameraOff };
    case "mesh/names":
      return { ...mesh, names: action.names };
    case "mesh/sharing":
      return { ...mesh, sharing: action.sharing };
  }
}

/** Whose video fills the stage: someone sharing a screen, else nobody (a grid). */
export function meshSpotlight(mesh: MeshView): string | null {
  return Object.values(mesh.peers).find((p) => p.screen && p.stream)?.userId ?? null;
}
