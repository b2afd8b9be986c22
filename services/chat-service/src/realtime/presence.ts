import type { AppDeps } from "../deps.js";
import type { ChatSocket } from "./hub.js";

/**
 * Online while at least one socket is connected; going offline persists lastSeenAt.
 * Only users who share a conversation hear about it.
 */
export function createPresenceHandlers(deps: AppDeps): ((socket: ChatSocket) => void) & { drain(): Promise<void> } {
  const { presence, stores, hub, log } = deps;

  async function announce(userId: string, online: boolean, lastSeenAt: Date | null) {
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

  const register = (socket: ChatSocket) => {
    const { userId } = socket.data;
    track(
      (async () => {
        try {
          if (await presence.socketConnected(userId)) {
            const user = await stores.users.findById(userId);
            await announce(userId, true, user?.last_seen_at ?? null);
          }
        } catch (err) {
          log.error({ err, userId }, "presence (connect) failed");
        }
      })(),
    );
    socket.on("disconnect", () =>
      track(
        (async () => {
          try {
            if (await presence.socketDisconnected(userId)) {
              const lastSeenAt = await stores.users.touchLastSeen(userId);
              await announce(userId, false, lastSeenAt);
            }
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
