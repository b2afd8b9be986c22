/** Bounds memory: past this many conversations, entries older than the interval go. */
const PRUNE_AT = 10_000;

/**
 * Typing in a big conversation: at most one "typing" relayed per interval per conversation,
 * whoever types (hundreds of typists would otherwise be hundreds of events to every member), and
 * "stopped" only from the one whose "typing" went out. Per instance: with N instances at most N
 * per interval.
 */
export function createConversationTypingThrottle(intervalMs: number) {
  const last = new Map<string, { userId: string; at: number }>();
  return {
    shouldRelay(conversationId: string, userId: string, typing: boolean): boolean {
      const now = Date.now();
      const l = last.get(conversationId);
      if (!typing) {
        if (l?.userId !== userId) return false;
        // Stopped: the next typist may show at once.
        last.delete(conversationId);
        return true;
      }
      if (l && now - l.at < intervalMs) return false;
      last.set(conversationId, { userId, at: now });
      if (last.size > PRUNE_AT) for (const [k, v] of last) if (now - v.at >= intervalMs) last.delete(k);
      return true;
    },
  };
}
export type ConversationTypingThrottle = ReturnType<typeof createConversationTypingThrottle>;
