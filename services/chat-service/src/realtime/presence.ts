import type { AppDeps } from "../deps.js";
import type { ChatSocket } from "./hub.js";

/**
 * Online while at least one socket is connected; going offline persists lastSeenAt.
 * Only users who share a conversation hear about it. With several instances, a user
 * whose last socket was on an instance that died goes offline when the presence
 * watch (plugins/redis.ts) finds the instance dead.
 */
export function createPresenceHandlers(deps: AppDeps): ((socket: ChatSocket) => void) & { drain(): Promise<void> } {
  const { presence, stores, hub, log, config } = deps;

  /** Tells the user's contacts; going offline first persists lastSeenAt. */
  async function announce(userId: string, online: boolean) {
    const lastSeenAt = online
      ? ((await stores.users.findById(userId))?.last_seen_at ?? null)
      : await stores.users.touchLastSeen(userId);
    const audience = await stores.conversations.contactsOf(userId);
    hub.toUsers(audience).emit("presence", {
      userId,
      online,
      lastSeenAt: lastSeenAt ? lastSeenAt.toISOString() : null,
    });
  }

  // In-flight connect/disconnect bookkeeping, awaited on shutdown.
  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  presence.start({
    heartbeatMs: config.PRESENCE_HEARTBEAT_MS,
    ttlMs: config.PRESENCE_TTL_MS,
    onChange: (userIds, online) => {
      const p = (async () => {
        // Someone reported gone may have reconnected elsewhere meanwhile: say only what is still true.
        const now = await presence.onlineAmong(userIds);
        await Promise.all(
          userIds
            .filter((userId) => now.has(userId) === online)
            .map(async (userId) => {
              try {
                await announce(userId, online);
              } catch (err) {
                log.error({ err, userId, online }, "presence (instance change) failed");
              }
            }),
        );
      })().catch((err) => log.error({ err }, "presence (instance change) failed"));
      track(p);
      return p;
    },
  });

  const register = (socket: ChatSocket) => {
    const { userId } = socket.data;
    track(
      (async () => {
        try {
          if (await presence.socketConnected(userId)) await announce(userId, true);
        } catch (err) {
          log.error({ err, userId }, "presence (connect) failed");
        }
      })(),
    );
    socket.on("disconnect", () =>
      track(
        (async () => {
          try {
            if (await presence.socketDisconnected(userId)) await announce(userId, false);
          } catch (err) {
            log.error({ err, userId }, "presence (disconnect) failed");
          }
        })(),
      ),
    );
  };
  return Object.assign(register, {
    async drain() {
      while (pending.size) await Promise.allSettled([...pending]);
    },
  });
}
