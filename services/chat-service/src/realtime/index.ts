import { HandshakeAuth, UNAUTHORIZED } from "@messenger/protocol";
import type { AppDeps } from "../deps.js";
import { createFocusHandlers } from "../push/realtime.js";
import { createCallHandlers } from "./calls.js";
import type { ChatServer, ChatSocket } from "./hub.js";
import { roomOfConversation, roomOfUser } from "./hub.js";
import { createMessageHandlers } from "./messages.js";
import { createPresenceHandlers } from "./presence.js";
import { createSocketSessions } from "./sessions.js";

/** Authenticates every socket, puts it in its rooms, and wires each handler factory to it. */
export function registerRealtime(io: ChatServer, deps: AppDeps): { drain(): Promise<void>; close(): void } {
  const { stores, log } = deps;
  const socketSessions = createSocketSessions(io, deps);

  // `io(url, { auth: { token } })`; a missing, forged or expired token, or one of an ended session
  // or a deactivated or deleted user → connect_error "unauthorized".
  io.use(async (socket, next) => {
    try {
      const auth = HandshakeAuth.safeParse(socket.handshake.auth);
      const claims = auth.success ? await deps.sessions.verify(auth.data.token) : null;
      if (!claims) return next(new Error(UNAUTHORIZED));
      socketSessions.admit(socket, claims);
      // Rooms are joined before the client sees "connect": a client that connects and then
      // catches up with ?after=<seq> can miss nothing (anything committed after its fetch is
      // broadcast to rooms it is already in). The user room first, so a membership added
      // while we query is applied by socketsJoin (and by the re-check after connect).
      socket.join(roomOfUser(claims.userId));
      const ids = await stores.conversations.conversationIdsOf(claims.userId);
      socket.join(ids.map(roomOfConversation));
      next();
    } catch (err) {
      log.error({ err }, "socket auth failed");
      next(new Error(UNAUTHORIZED));
    }
  });

  const presenceHandlers = createPresenceHandlers(deps);
  // One factory per area; each returns `(socket) => void` that registers its events.
  const factories: ((socket: ChatSocket) => void)[] = [
    socketSessions.register,
    createMessageHandlers(deps),
    presenceHandlers,
    createCallHandlers(deps),
    createFocusHandlers(deps),
  ];

  io.on("connection", async (socket) => {
    const { userId } = socket.data;
    deps.metrics.connectedSockets.inc();
    socket.on("disconnect", () => deps.metrics.connectedSockets.dec());
    // Handlers first, so nothing the client sends right after connecting is lost.
    for (const register of factories) register(socket);
    // socketsJoin/socketsLeave only reach connected sockets, so memberships that changed
    // while this one was connecting are reconciled now: join, then re-read and leave. A
    // removal committed after that re-read finds the socket connected and in the room,
    // so its socketsLeave applies: a removed member never keeps a conversation's room.
    try {
      const added = (await stores.conversations.conversationIdsOf(userId)).map(roomOfConversation);
      // Joining a closed socket would leave stale entries in the adapter.
      if (!socket.connected) return;
      socket.join(added);
      const current = new Set((await stores.conversations.conversationIdsOf(userId)).map(roomOfConversation));
      for (const room of socket.rooms) {
        if (room.startsWith("conv:") && !current.has(room)) socket.leave(room);
      }
    } catch (err) {
      log.error({ err, userId }, "could not reconcile conversation rooms");
      socket.disconnect(true);
    }
  });
  return { drain: () => presenceHandlers.drain(), close: () => socketSessions.close() };
}
