import {
  CallEndPayload,
  CallIdPayload,
  CallInvitePayload,
  CallSignalPayload,
  MeetingIdPayload,
  MeetingSignalPayload,
} from "@messenger/protocol";
import type { AppDeps } from "../deps.js";
import { on } from "./handler.js";
import type { ChatSocket } from "./hub.js";

/**
 * call:* events: validate → call domain → ack. Signals go to exactly one socket
 * (the other participant's bound socket), never to a user or conversation room.
 */
export function createCallHandlers(deps: AppDeps) {
  const { calls, meetings, log } = deps;
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
      CallEndPayload,
      async (p) => {
        await calls.end(me(), p.callId, p.reason);
        return {};
      },
      log,
    );

    // Mesh meetings: the same shape as call:signal, addressed to one participant.
    on(
      socket,
      "meeting:signal",
      MeetingSignalPayload,
      async (p) => {
        await meetings.signal(me(), p);
        return {};
      },
      log,
    );
    on(
      socket,
      "meeting:leave",
      MeetingIdPayload,
      async (p) => {
        await meetings.leave(socket.data.userId, p.meetingId);
        return {};
      },
      log,
    );

    socket.on("disconnect", (reason) => {
      // This instance is shutting down: its timers would not survive anyway, and the
      // participants' reconnected devices take their calls over (or a later invite reaps them).
      if (reason === "server namespace disconnect") return;
      calls.onDisconnect(socket.id).catch((err) => log.error({ err }, "call disconnect handling failed"));
      meetings.onDisconnect(socket.id).catch((err) => log.error({ err }, "meeting disconnect handling failed"));
    });
    // After the rooms are joined (same tick as registration is fine: this awaits a query first).
    calls.onConnect(me()).catch((err) => log.error({ err }, "re-ringing a new device failed"));
  };
}
