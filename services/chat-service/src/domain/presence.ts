/** How an instance keeps its users' presence alive across instances (see plugins/redis.ts). */
export interface PresenceWatch {
  /** How often this instance renews its liveness (and looks for dead instances). */
  heartbeatMs: number;
  /** An instance not heard from for this long is dead: its users count as gone. */
  ttlMs: number;
  /**
   * Users whose presence changed with no socket event on this instance: offline because the
   * instance holding their last socket died, or online again because this instance had been
   * taken for dead and came back. Called with a non-empty list and not awaited by the
   * watch, so it handles its own errors.
   */
  onChange(userIds: string[], online: boolean): Promise<void>;
}

/**
 * Who is online (≥1 connected socket) and the typing throttle. Kept behind an
 * interface so several instances can share it in Redis (see plugins/redis.ts).
 */
export interface Presence {
  /** Starts the bookkeeping that spans instances; call once, before the first socket connects. */
  start(watch: PresenceWatch): void;
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
    // One process: its sockets die with it, so there is nothing to watch.
    start() {},
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
