/**
 * Who is online (≥1 connected socket) and the typing throttle. Kept behind an
 * interface so several instances can share it in Redis (see presence-redis.ts).
 */
export interface Presence {
  /** Counts a new socket; true when the user just came online. */
  socketConnected(userId: string): Promise<boolean>;
  /** Uncounts a socket; true when the user's last socket went away. */
  socketDisconnected(userId: string): Promise<boolean>;
  onlineAmong(userIds: readonly string[]): Promise<Set<string>>;
  /** Server-side typing throttle: relay a change of state at once, a repeat at most once per interval. */
  shouldRelayTyping(userId: string, conversationId: string, typing: boolean): Promise<boolean>;
  close(): Promise<void>;
}

export function createMemoryPresence(typingThrottleMs: number): Presence {
  const sockets = new Map<string, number>();
  const typing = new Map<string, { typing: boolean; at: number }>();
  return {
    async socketConnected(userId) {
      const n = (sockets.get(userId) ?? 0) + 1;
      sockets.set(userId, n);
      return n === 1;
    },
    async socketDisconnected(userId) {
      const n = (sockets.get(userId) ?? 1) - 1;
      if (n <= 0) sockets.delete(userId);
      else sockets.set(userId, n);
      return n <= 0;
    },
    async onlineAmong(userIds) {
      return new Set(userIds.filter((id) => sockets.has(id)));
    },
    async shouldRelayTyping(userId, conversationId, isTyping) {
      const key = `${userId}:${conversationId}`;
      const now = Date.now();
      const last = typing.get(key);
      if (last && last.typing === isTyping && now - last.at < typingThrottleMs) return false;
      typing.set(key, { typing: isTyping, at: now });
      // Bound memory: a stale entry only matters within one throttle interval.
      if (typing.size > 10_000) {
        for (const [k, v] of typing) if (now - v.at >= typingThrottleMs) typing.delete(k);
      }
      return true;
    },
    async close() {},
  };
}
