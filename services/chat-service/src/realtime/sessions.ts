import { type AccessClaims, sessionKeyOf, type VerifiedClaims } from "@messenger/common";
import { AuthRefreshPayload } from "@messenger/protocol";
import type { AppDeps } from "../deps.js";
import { unauthorized } from "../errors.js";
import { on } from "./handler.js";
import { type ChatServer, type ChatSocket, roomOfSession } from "./hub.js";

// message:send has a budget of its own (SEND_RATE_PER_SECOND, shared by instances).
const OWN_BUDGET = new Set(["message:send"]);

/**
 * A socket lives only as long as what let it in: it is closed when its access token expires
 * (unless `auth:refresh` brought a newer one), when its session ends (logout or a stolen refresh
 * token, on any instance), and within SESSION_CHECK_MS when its user is deactivated or deleted.
 * Each user has a budget of socket events and of open sockets per instance.
 */
export function createSocketSessions(io: ChatServer, deps: AppDeps) {
  const { config, sessions, limits, log } = deps;
  const expiry = new Map<string, NodeJS.Timeout>();
  // Per user, this instance's sockets, oldest first.
  const socketsOf = new Map<string, ChatSocket[]>();

  const claimsOf = (socket: ChatSocket): AccessClaims => ({
    userId: socket.data.userId,
    username: socket.data.username,
    ...(socket.data.sessionId ? { sessionId: socket.data.sessionId } : {}),
  });

  function expireAt(socket: ChatSocket, expiresAt: number) {
    clearTimeout(expiry.get(socket.id));
    socket.data.expiresAt = expiresAt;
    const timer = setTimeout(() => socket.disconnect(true), Math.max(0, expiresAt - Date.now()));
    timer.unref();
    expiry.set(socket.id, timer);
  }

  /** Records what the handshake proved; the socket joins its session's room. */
  function admit(socket: ChatSocket, claims: VerifiedClaims) {
    socket.data.userId = claims.userId;
    socket.data.username = claims.username;
    if (claims.sessionId) {
      socket.data.sessionId = claims.sessionId;
      socket.join(roomOfSession(claims.sessionId));
    }
    socket.data.expiresAt = claims.expiresAt;
  }

  function register(socket: ChatSocket) {
    const { userId } = socket.data;
    expireAt(socket, socket.data.expiresAt);
    const mine = [...(socketsOf.get(userId) ?? []), socket];
    socketsOf.set(userId, mine);
    // Over the cap, the oldest goes: a reloading user is never locked out by their own old tabs.
    while (mine.length > config.SOCKETS_PER_USER) mine.shift()?.disconnect(true);
    socket.on("disconnect", () => {
      clearTimeout(expiry.get(socket.id));
      expiry.delete(socket.id);
      const rest = (socketsOf.get(userId) ?? []).filter((s) => s !== socket);
      if (rest.length) socketsOf.set(userId, rest);
      else socketsOf.delete(userId);
    });

    // Every event but those with a budget of their own spends from the user's budget; a refused
    // one is answered (when it asked for an answer) and goes no further.
    socket.use((packet, next) => {
      const [event] = packet;
      if (OWN_BUDGET.has(String(event))) return next();
      limits.socketEvents.consume(userId).then(
        () => next(),
        () => {
          const ack = packet[packet.length - 1];
          if (typeof ack === "function")
            ack({ ok: false, error: { code: "rate_limited", message: "too many events, slow down" } });
        },
      );
    });

    on(
      socket,
      "auth:refresh",
      AuthRefreshPayload,
      async ({ token }) => {
        const claims = await sessions.verify(token);
        if (!claims || claims.userId !== userId) throw unauthorized("that token is not valid for this connection");
        if (claims.sessionId !== socket.data.sessionId) {
          if (socket.data.sessionId) socket.leave(roomOfSession(socket.data.sessionId));
          admit(socket, claims);
        }
        expireAt(socket, claims.expiresAt);
        return {};
      },
      log,
    );
  }

  /** Closes this instance's sockets whose session or user is no longer active. */
  async function sweep(): Promise<void> {
    const local = [...io.of("/").sockets.values()].filter((s) => s.data.userId);
    const keys = new Map<string, AccessClaims>();
    for (const s of local) keys.set(sessionKeyOf(claimsOf(s)), claimsOf(s));
    if (keys.size === 0) return;
    const active = await sessions.activeAmong([...keys.values()]);
    for (const s of local) if (!active.has(sessionKeyOf(claimsOf(s)))) s.disconnect(true);
  }

  const sweeper = setInterval(() => {
    sweep().catch((err) => log.warn({ err }, "could not re-check the sessions of open sockets"));
  }, config.SESSION_CHECK_MS);
  sweeper.unref();

  return {
    admit,
    register,
    sweep,
    close() {
      clearInterval(sweeper);
      for (const t of expiry.values()) clearTimeout(t);
      expiry.clear();
    },
  };
}
