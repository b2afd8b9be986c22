import type { Conversation, PresenceEvent } from "@messenger/protocol";
import { createStore } from "./store";

export interface Presence {
  online: boolean;
  lastSeenAt: string | null;
}
export type PresenceState = Readonly<Record<string, Presence>>;

export function createPresenceStore() {
  const store = createStore<PresenceState>({});
  return {
    ...store,
    of: (userId: string): Presence | undefined => store.get()[userId],
    apply: (e: PresenceEvent) =>
      store.update((s) => {
        const prev = s[e.userId];
        if (prev && prev.online === e.online && prev.lastSeenAt === e.lastSeenAt) return s;
        return { ...s, [e.userId]: { online: e.online, lastSeenAt: e.lastSeenAt } };
      }),
    /** Seeds from conversation members (the list carries each user's presence when fetched). */
    seed: (conversations: readonly Conversation[]) =>
      store.update((s) => {
        const next = { ...s };
        for (const c of conversations)
          for (const m of c.members) next[m.user.id] = { online: m.user.online, lastSeenAt: m.user.lastSeenAt };
        return next;
      }),
  };
}
export type PresenceStore = ReturnType<typeof createPresenceStore>;
