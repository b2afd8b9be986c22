import type { createClient } from "redis";

type RedisClient = ReturnType<typeof createClient>;

/**
 * Which users have a tab in the foreground somewhere (a focused client): while one has, nothing is
 * pushed to them, the open app shows it. Each socket reports `client:focus`; a socket that goes away
 * stops counting. With Redis the answer spans instances: each focused socket is a member of a
 * per-user sorted set scored by its deadline, renewed by its instance every heartbeat, so the
 * sockets of an instance that died stop counting once their deadline passes.
 */
export interface FocusTracker {
  set(userId: string, socketId: string, focused: boolean): Promise<void>;
  /** The socket disconnected. */
  drop(userId: string, socketId: string): Promise<void>;
  focusedAmong(userIds: readonly string[]): Promise<Set<string>>;
  close(): Promise<void>;
}

/** This instance's focused sockets, per user. */
function localFocus() {
  const byUser = new Map<string, Set<string>>();
  return {
    byUser,
    set(userId: string, socketId: string, focused: boolean) {
      const mine = byUser.get(userId) ?? new Set<string>();
      if (focused) mine.add(socketId);
      else mine.delete(socketId);
      if (mine.size) byUser.set(userId, mine);
      else byUser.delete(userId);
    },
  };
}

export function createMemoryFocus(): FocusTracker {
  const local = localFocus();
  return {
    async set(userId, socketId, focused) {
      local.set(userId, socketId, focused);
    },
    async drop(userId, socketId) {
      local.set(userId, socketId, false);
    },
    async focusedAmong(userIds) {
      return new Set(userIds.filter((id) => local.byUser.has(id)));
    },
    async close() {},
  };
}

export function createRedisFocus(
  client: RedisClient,
  prefix: string,
  opts: {
    /** Renew this instance's focused sockets this often… */
    heartbeatMs: number;
    /** …each counting for this long unless renewed. */
    ttlMs: number;
    bounded: <T>(what: string, p: Promise<T>) => Promise<T>;
    log: { warn(obj: object, msg: string): void };
  },
): FocusTracker {
  const local = localFocus();
  const keyOf = (userId: string) => `${prefix}:focus:${userId}`;

  async function mark(entries: [userId: string, socketId: string][]) {
    if (!entries.length) return;
    const deadline = Date.now() + opts.ttlMs;
    const multi = client.multi();
    for (const [userId, socketId] of entries) {
      multi.zAdd(keyOf(userId), { score: deadline, value: socketId });
      multi.pExpire(keyOf(userId), opts.ttlMs);
    }
    await opts.bounded("focus", multi.exec());
  }

  const timer = setInterval(() => {
    const entries = [...local.byUser].flatMap(([userId, ids]) =>
      [...ids].map((id) => [userId, id] as [string, string]),
    );
    mark(entries).catch((err) => opts.log.warn({ err }, "focus: could not renew focused sockets"));
  }, opts.heartbeatMs);
  timer.unref();

  async function unmark(userId: string, socketId: string) {
    await opts.bounded("focus", client.zRem(keyOf(userId), socketId));
  }

  return {
    async set(userId, socketId, focused) {
      local.set(userId, socketId, focused);
      if (focused) await mark([[userId, socketId]]);
      else await unmark(userId, socketId);
    },
    async drop(userId, socketId) {
      local.set(userId, socketId, false);
      await unmark(userId, socketId);
    },
    async focusedAmong(userIds) {
      if (!userIds.length) return new Set();
      try {
        const now = Date.now();
        const multi = client.multi();
        for (const id of userIds) multi.zCount(keyOf(id), now, "+inf");
        const counts = (await opts.bounded("focus", multi.exec())) as unknown as number[];
        return new Set(userIds.filter((_, i) => Number(counts[i]) > 0));
      } catch (err) {
        // Redis away: what this instance knows (a push too many beats a message nobody hears of).
        opts.log.warn({ err }, "focus: Redis unreachable, answering from this instance only");
        return new Set(userIds.filter((id) => local.byUser.has(id)));
      }
    },
    async close() {
      clearInterval(timer);
      const entries = [...local.byUser].flatMap(([userId, ids]) => [...ids].map((id) => [userId, id] as const));
      local.byUser.clear();
      await Promise.allSettled(entries.map(([u, s]) => unmark(u, s)));
    },
  };
}
