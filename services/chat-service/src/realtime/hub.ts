import type { ClientToServerEvents, ServerToClientEvents } from "@messenger/protocol";
import type { BroadcastOperator, Server, Socket } from "socket.io";

/** What the handshake proved about a socket (set by the auth middleware). */
export interface SocketData {
  userId: string;
  username: string;
  /** The sign-in the socket's token belongs to (absent for tokens minted without one by tooling). */
  sessionId?: string;
  /** When the socket's access token expires (ms); `auth:refresh` moves it on. */
  expiresAt: number;
}

// biome-ignore lint/complexity/noBannedTypes: socket.io's own "no inter-server events" type
type InterServerEvents = {};
export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type Broadcast = BroadcastOperator<ServerToClientEvents, SocketData>;

/** Every socket of a user joins this room (all their devices). */
export const roomOfUser = (userId: string) => `user:${userId}`;
/** Every socket of every member joins this room; nothing of a conversation is sent elsewhere. */
export const roomOfConversation = (conversationId: string) => `conv:${conversationId}`;
/** Every socket of one sign-in (one device's session), so ending the session closes them. */
export const roomOfSession = (sessionId: string) => `session:${sessionId}`;

/**
 * The one way events leave the server. Call it only after the transaction that
 * produced the event has committed (Zulip's send_event_on_commit).
 */
export interface Hub {
  io: ChatServer;
  /** All sockets of these users, optionally except some sockets (those that caused the event get an ack instead). */
  toUsers(userIds: readonly string[], opts?: { exceptSocketIds?: readonly string[] }): Broadcast;
  /** One socket, on whichever instance holds it (call signalling goes to exactly one device). */
  toSocket(socketId: string): Broadcast;
  /** Whether a socket with this id is connected to any instance. */
  isSocketAlive(socketId: string): Promise<boolean>;
  /** All sockets of all members, optionally except the socket that caused the event (it gets an ack instead). */
  toConversation(conversationId: string, opts?: { exceptSocketId?: string; exceptUserId?: string }): Broadcast;
  /** Membership changed: make the user's sockets (on every instance) join/leave the conversation room. */
  joinConversation(userIds: readonly string[], conversationId: string): void;
  leaveConversation(userIds: readonly string[], conversationId: string): void;
  /** The session ended (logout, token theft): close its sockets on every instance. */
  endSession(sessionId: string): void;
  /** All sockets of everyone in any of these conversations (each socket once), and of `andUsers`. */
  toConversations(conversationIds: readonly string[], opts?: { andUsers?: readonly string[] }): Broadcast;
  /** The account was deactivated: close all its sockets on every instance. */
  endUser(userId: string): void;
}

export function createHub(io: ChatServer): Hub {
  return {
    io,
    toUsers(userIds, opts = {}) {
      // `to([])` would broadcast to everyone: an empty list must reach nobody.
      if (userIds.length === 0) return io.to("nobody:").except("nobody:");
      const op = io.to(userIds.map(roomOfUser));
      // Each socket sits in a room named by its own id.
      return opts.exceptSocketIds?.length ? op.except([...opts.exceptSocketIds]) : op;
    },
    // Each socket is in a room named by its id.
    toSocket: (socketId) => io.to(socketId),
    isSocketAlive: async (socketId) => (await io.in(socketId).fetchSockets()).length > 0,
    toConversation(conversationId, opts = {}) {
      let op = io.to(roomOfConversation(conversationId));
      // Each socket sits in a room named by its own id, so `except(socketId)` skips just that socket.
      if (opts.exceptSocketId) op = op.except(opts.exceptSocketId);
      if (opts.exceptUserId) op = op.except(roomOfUser(opts.exceptUserId));
      return op;
    },
    joinConversation(userIds, conversationId) {
      if (userIds.length) io.in(userIds.map(roomOfUser)).socketsJoin(roomOfConversation(conversationId));
    },
    leaveConversation(userIds, conversationId) {
      if (userIds.length) io.in(userIds.map(roomOfUser)).socketsLeave(roomOfConversation(conversationId));
    },
    endSession(sessionId) {
      io.in(roomOfSession(sessionId)).disconnectSockets(true);
    },
    toConversations(conversationIds, opts = {}) {
      const rooms = [...conversationIds.map(roomOfConversation), ...(opts.andUsers ?? []).map(roomOfUser)];
      if (rooms.length === 0) return io.to("nobody:").except("nobody:");
      // One emit to several rooms reaches a socket that is in many of them once.
      return io.to(rooms);
    },
    endUser(userId) {
      io.in(roomOfUser(userId)).disconnectSockets(true);
    },
  };
}
