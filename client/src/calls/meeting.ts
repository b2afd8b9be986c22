// Group meetings: the `meeting:started` announcement (with who started it, where), the banner's
// on-screen bookkeeping, and starting or joining a meeting through the REST route. The Jitsi room
// itself is MeetingOverlay.tsx; 1:1 calls are controller.ts and peer-session.ts.
import {
  ConversationResponse,
  MeetingJoinResponse,
  type MeetingStartedEvent,
  MeetingStateResponse,
  type MeetingUpdatedEvent,
} from "@messenger/protocol";
import type { ApiFetch, CallsSocket } from "./deps";
import type { CallStrings } from "./i18n";
import type { MeshSession } from "./mesh-session";
import type { CallStore } from "./store";

export interface MeetingsDeps {
  apiFetch: ApiFetch;
  socket: CallsSocket;
  mesh: MeshSession;
  me: { id: string };
  store: CallStore;
  /** The strings of the moment (the language can change while signed in). */
  strings(): CallStrings;
}

export class Meetings {
  private readonly deps: MeetingsDeps;

  constructor(deps: MeetingsDeps) {
    this.deps = deps;
  }

  onStarted(e: MeetingStartedEvent): void {
    const { store, apiFetch } = this.deps;
    store.dispatch({ type: "meeting/announced", event: e, at: Date.now() });
    if (e.startedBy === this.deps.me.id) return;
    // The event names neither the group nor the starter; one GET lets a notice outside the group say both.
    void (async () => {
      try {
        const res = await apiFetch(`/api/conversations/${encodeURIComponent(e.conversationId)}`);
        if (!res.ok) return;
        const parsed = ConversationResponse.safeParse(await res.json());
        if (!parsed.success) return;
        const c = parsed.data.conversation;
        const starterName = c.members.find((m) => m.user.id === e.startedBy)?.user.displayName ?? null;
        store.dispatch({ type: "meeting/details", conversationId: c.id, title: c.title, starterName });
      } catch {
        // The notice falls back to a generic text.
      }
    })();
  }

  /** Who is in a meeting changed, or it ended: the banner and the mesh call follow. */
  onUpdated(e: MeetingUpdatedEvent): void {
    this.deps.store.dispatch({ type: "meeting/state", conversationId: e.conversationId, meeting: e.meeting });
    this.deps.mesh.onUpdated(e);
  }

  /** A member who opens the group (after a reload, or arriving later) learns of a running meeting. */
  async refresh(conversationId: string): Promise<void> {
    try {
      const res = await this.deps.apiFetch(`/api/conversations/${encodeURIComponent(conversationId)}/meeting`);
      if (!res.ok) return;
      const parsed = MeetingStateResponse.safeParse(await res.json());
      if (!parsed.success) return;
      const { meeting, provider, maxParticipants } = parsed.data;
      this.deps.store.dispatch({ type: "meeting/state", conversationId, meeting });
      this.deps.store.dispatch({ type: "meeting/provider", provider, maxParticipants });
    } catch {
      // The banner appears with the next meeting:updated instead.
    }
  }

  /** The socket reconnected (a new id): keep our seat in the group call, on the new socket. */
  async rejoin(): Promise<void> {
    const mesh = this.deps.store.getState().mesh;
    const { socket } = this.deps;
    if (!mesh || !socket.id) return;
    try {
      const res = await this.deps.apiFetch(`/api/conversations/${encodeURIComponent(mesh.conversationId)}/meeting`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ socketId: socket.id }),
      });
      const parsed = MeetingJoinResponse.safeParse(await res.json().catch(() => null));
      if (res.ok && parsed.success && parsed.data.meeting.id === mesh.meetingId) {
        this.deps.mesh.resume(parsed.data.meeting);
        return;
      }
    } catch {
      // Fall through: we cannot be in a meeting the server does not have us in.
    }
    // The meeting ended meanwhile (or became a different one): we are out.
    if (this.deps.store.getState().mesh?.meetingId === mesh.meetingId) this.deps.mesh.close();
  }

  /** Starts the group's meeting or joins the running one (mesh or Jitsi: the server decides). */
  join(conversationId: string, title: string | null): Promise<void> {
    return this.open(conversationId, title);
  }

  close(): void {
    const view = this.deps.store.getState().meeting;
    // Jitsi: we are out of the room; the server counts who is in it.
    if (view?.status === "open" && view.meetingId)
      this.deps.socket.emit("meeting:leave", { meetingId: view.meetingId }, () => {});
    this.deps.store.dispatch({ type: "meeting/close" });
    this.deps.mesh.leave();
  }

  dismissBanner(conversationId: string): void {
    this.deps.store.dispatch({ type: "meeting/dismiss-banner", conversationId });
  }

  /** <MeetingBanner/> tells us while it is on screen, so the same meeting is not announced twice. */
  bannerOnScreen(conversationId: string): () => void {
    const { store } = this.deps;
    store.dispatch({ type: "meeting/banner", conversationId, onScreen: true });
    return () => store.dispatch({ type: "meeting/banner", conversationId, onScreen: false });
  }

  /** The group call's tiles show names; the members come with the conversation. */
  private async loadNames(meetingId: string, conversationId: string): Promise<void> {
    try {
      const res = await this.deps.apiFetch(`/api/conversations/${encodeURIComponent(conversationId)}`);
      if (!res.ok) return;
      const parsed = ConversationResponse.safeParse(await res.json());
      if (!parsed.success) return;
      const names = Object.fromEntries(
        parsed.data.conversation.members.map((m) => [m.user.id, m.user.displayName || m.user.username]),
      );
      this.deps.store.dispatch({ type: "mesh/names", meetingId, names });
    } catch {
      // Tiles fall back to a generic name.
    }
  }

  private async open(conversationId: string, title: string | null): Promise<void> {
    const { store, socket } = this.deps;
    store.dispatch({ type: "meeting/loading", conversationId, title });
    try {
      const res = await this.deps.apiFetch(`/api/conversations/${encodeURIComponent(conversationId)}/meeting`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        // The mesh call's signals go to this socket; its disconnect ends our participation.
        body: JSON.stringify(socket.id ? { socketId: socket.id } : {}),
      });
      const body: unknown = await res.json().catch(() => null);
      const parsed = MeetingJoinResponse.safeParse(body);
      if (!res.ok || !parsed.success) {
        const message = (body as { error?: { message?: string } } | null)?.error?.message;
        store.dispatch({
          type: "meeting/failed",
          conversationId,
          message: message ?? this.deps.strings().meetingFailed,
        });
        return;
      }
      const joined = parsed.data;
      if (joined.provider === "jitsi") {
        store.dispatch({ type: "meeting/open", conversationId, meeting: joined, meetingId: joined.meeting.id });
        return;
      }
      store.dispatch({ type: "meeting/close" });
      void this.loadNames(joined.meeting.id, conversationId);
      if (!(await this.deps.mesh.start(joined.meeting, title)))
        store.dispatch({ type: "meeting/failed", conversationId, message: this.deps.strings().meshMediaDenied });
    } catch {
      store.dispatch({ type: "meeting/failed", conversationId, message: this.deps.strings().meetingFailed });
    }
  }
}
