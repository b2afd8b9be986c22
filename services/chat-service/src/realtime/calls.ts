import { CallIdPayload, CallInvitePayload, CallSignalPayload } from "@messenger/protocol";
import { createCallService } from "../calls/service.js";
import { callSettings } from "../calls/settings.js";
import { createCallStore } from "../calls/store.js";
import type { AppDeps } from "../deps.js";
import { on } from "./handler.js";
import { type ChatSocket, roomOfUser } from "./hub.js";

/**
 * call:* events: validate → call domain → ack. Signals go to exactly one socket
 * (the other participant's bound socket), never to a user or conversation room.
 */
export function createCallHandlers(deps: AppDeps) {
  const { hub, log } = deps;
  const settings = callSettings(deps.config);
  const io = hub.io;
  const calls = createCallService({
    store: createCallStore(deps.db),
    emit: {
      toSocket: (socketId, event, payload) => {
        // Each socket is in a room named by its id, on whichever instance holds it.
        (io.to(socketId).emit as (e: string, p: unknown) => boolean)(event, payload);
      },
      toUser: (userId, event, payload, opts) => {
        let op = io.to(roomOfUser(userId));
        if (opts?.exceptSocketId) op = op.except(opts.exceptSocketId);
        (op.emit as (e: string, p: unknown) => boolean)(event, payload);
      },
    },
    isSocketAlive: async (socketId) => (await io.in(socketId).fetchSockets()).length > 0,
    // Every call ends with exactly one log (guarded end), so this is also where outcomes are counted.
    postCallLog: async (entry) => {
      deps.metrics.callsEnded.inc({ outcome: entry.call.outcome, video: String(entry.call.video) });
      await deps.messages.send(entry.callerId, {
        conversationId: entry.conversationId,
        // One log per call, even if two instances race to write it.
        clientId: `call:${entry.call.callId}`,
        body: entry.body,
        kind: "call",
        call: entry.call,
      });
    },
    ringTimeoutMs: settings.ringTimeoutMs,
    disconnectGraceMs: settings.disconnectGraceMs,
    log,
  });
  // Timers must not outlive the server (they would hit a closed pool).
  io.httpServer?.once("close", () => calls.close());

  return (socket: ChatSocket) => {
    const me = () => ({ userId: socket.data.userId, socketId: socket.id });

    on(
      socket,
      "call:invite",
      CallInvitePayload,
      async (p) => {
        await calls.invite(me(), p);
        return {};
      },
      log,
    );
    on(socket, "call:accept", CallIdPayload, async (p) => calls.accept(me(), p.callId), log);
    on(
      socket,
      "call:decline",
      CallIdPayload,
      async (p) => {
        await calls.decline(me(), p.callId);
        return {};
      },
      log,
    );
    on(
      socket,
      "call:signal",
      CallSignalPayload,
      async (p) => {
        await calls.signal(me(), p.callId, p.data);
        return {};
      },
      log,
    );
    on(
      socket,
      "call:end",
      CallIdPayload,
      async (p) => {
        await calls.end(me(), p.callId);
        return {};
      },
      log,
    );

    socket.on("disconnect", (reason) => {
      // This instance is shutting down: its timers would not survive anyway, and the
      // participants' reconnected devices take their calls over (or a later invite reaps them).
      if (reason === "server namespace disconnect") return;
      calls.onDisconnect(socket.id).catch((err) => log.error({ err }, "call disconnect handling failed"));
    });
    // After the rooms are joined (same tick as registration is fine: this awaits a query first).
    calls.onConnect(me()).catch((err) => log.error({ err }, "re-ringing a new device failed"));
  };
}
