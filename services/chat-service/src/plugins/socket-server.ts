import fp from "fastify-plugin";
import { Server } from "socket.io";
import type { ChatServer } from "../realtime/hub.js";

// `app.io` is declared in app.ts, so packages that import the app (the client's tests) see it too.
// Must exceed call signalling payloads (SIGNAL_MAX_BYTES, 64 KiB).
const SOCKET_MAX_BYTES = 256 * 1024;

/**
 * socket.io on the same HTTP server, its rooms shared through Redis when configured. Closed before
 * Redis and the database: its last disconnects still reach them.
 */
export const socketServerPlugin = fp(
  async (app) => {
    const io: ChatServer = new Server(app.server, { serveClient: false, maxHttpBufferSize: SOCKET_MAX_BYTES });
    app.redis?.attachAdapter(io);
    app.decorate("io", io);
    app.addHook("onClose", () => new Promise<void>((resolve) => io.close(() => resolve())));
  },
  { name: "socket-server", dependencies: ["redis"] },
);
