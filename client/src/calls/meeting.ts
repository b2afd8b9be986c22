// Group meetings: the `meeting:started` announcement (with who started it, where), the banner's
// on-screen bookkeeping, and starting or joining a meeting through the REST route. The Jitsi room
// itself is MeetingOverlay.tsx; 1:1 calls are controller.ts and peer-session.ts.
import { ConversationResponse, MeetingResponse, type MeetingStartedEvent } from "@messenger/protocol";
import type { ApiFetch } from "./deps";
import type { CallStrings } from "./i18n";
import type { CallStore } from "./store";

export interface MeetingsDeps {
  apiFetch: ApiFetch;
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

  start(conversationId: string, title: string | null): Promise<void> {
    return this.open(conversationId, title, "POST");
  }

  /** Join an announced meeting with a token of one's own (GET of the same route). */
  join(conversationId: string, title: string | null): Promise<void> {
    return this.open(conversationId, title, "GET");
  }

  close(): void {
    this.deps.store.dispatch({ type: "meeting/close" });
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

  private async open(conversationId: string, title: string | null, method: "GET" | "POST"): Promise<void> {
    const { store } = this.deps;
    store.dispatch({ type: "meeting/loading", conversationId, title });
    try {
      const res = await this.deps.apiFetch(
        `/api/conversations/${encodeURIComponent(conversationId)}/meeting`,
        method === "POST" ? { method, headers: { "content-type": "application/json" }, body: "{}" } : { method },
      );
      const body: unknown = await res.json().catch(() => null);
      const parsed = MeetingResponse.safeParse(body);
      if (!res.ok || !parsed.success) {
        const message = (body as { error?: { message?: string } } | null)?.error?.message;
        store.dispatch({
          type: "meeting/failed",
          conversationId,
          message: message ?? this.deps.strings().meetingFailed,
        });
        return;
      }
      store.dispatch({ type: "meeting/open", conversationId, meeting: parsed.data });
    } catch {
      store.dispatch({ type: "meeting/failed", conversationId, message: this.deps.strings().meetingFailed });
    }
  }
}
