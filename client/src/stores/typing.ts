import type { TypingEvent } from "@messenger/protocol";
import { createStore } from "./store";

/** A "typing" that is not renewed within this time is dropped (the sender closed the tab mid-sentence). */
export const TYPING_TTL_MS = 6000;

/** conversationId → userId → time (ms) the indicator expires. */
export type TypingState = Readonly<Record<string, Readonly<Record<string, number>>>>;

export function applyTyping(s: TypingState, e: TypingEvent, now: number): TypingState {
  const conv = { ...(s[e.conversationId] ?? {}) };
  if (e.typing) conv[e.userId] = now + TYPING_TTL_MS;
  else if (e.userId in conv) delete conv[e.userId];
  else return s;
  return { ...s, [e.conversationId]: conv };
}

export function typingUsers(s: TypingState, conversationId: string, now: number): string[] {
  const conv = s[conversationId];
  if (!conv) return [];
  return Object.entries(conv)
    .filter(([, until]) => until > now)
    .map(([userId]) => userId);
}

export function createTypingStore(now: () => number = Date.now) {
  const store = createStore<TypingState>({});
  return {
    ...store,
    apply: (e: TypingEvent) => store.update((s) => applyTyping(s, e, now())),
    /** A message from someone ends their typing indicator. */
    stopped: (conversationId: string, userId: string) =>
      store.update((s) => applyTyping(s, { conversationId, userId, typing: false }, now())),
    users: (conversationId: string) => typingUsers(store.get(), conversationId, now()),
  };
}
export type TypingStore = ReturnType<typeof createTypingStore>;
