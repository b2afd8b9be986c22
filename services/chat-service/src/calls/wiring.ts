import type { CallEndedEvent, CallIncomingEvent, ServerToClientEvents, User } from "@messenger/protocol";
import type { AppDeps } from "../deps.js";
import { toUsers } from "../domain/users.js";
import type { PushNotifier } from "../push/notifier.js";
import { createMeetingService } from "./meetings.js";
import { type CallEmitter, createCallService } from "./service.js";
import { callSettings } from "./settings.js";
import { createCallStore } from "./store.js";

/** Ringing (and the end of ringing) of a callee's every device is what the push notifier hears of. */
function pushCall(notifier: PushNotifier, userId: string, event: string, payload: unknown) {
  if (event === "call:incoming") {
    const p = payload as CallIncomingEvent;
    notifier.callRinging(userId, {
      callId: p.callId,
      conversationId: p.conversationId,
      callerName: p.from.displayName,
      video: p.video,
    });
  } else if (event === "call:ended") notifier.callStopped(userId, (payload as CallEndedEvent).callId);
}

/**
 * The calls module's services, built once by buildApp: 1:1 calls (state in PostgreSQL, events
 * through the Hub like every other event) and Jitsi meetings.
 */
export function createCallsModule(deps: Omit<AppDeps, "calls" | "meetings" | "admin">) {
  const { hub, stores, presence, access, log } = deps;
  const settings = callSettings(deps.config);
  const emit: CallEmitter = {
    toSocket(socketId, event, payload) {
      hub.toSocket(socketId).emit(event, ...([payload] as Parameters<ServerToClientEvents[typeof event]>));
    },
    toUser(userId, event, payload, opts) {
      let op = hub.toUsers([userId]);
      if (opts?.exceptSocketId) op = op.except(opts.exceptSocketId);
      op.emit(event, ...([payload] as Parameters<ServerToClientEvents[typeof event]>));
      // Every device of the callee rings, and so do those with no tab open (push).
      pushCall(deps.push.notifier, userId, event, payload);
    },
  };
  const calls = createCallService({
    store: createCallStore(deps.db),
    emit,
    isSocketAlive: hub.isSocketAlive,
    // The same user mapping as everywhere, with real presence.
    userById: async (userId): Promise<User | null> => {
      const row = await stores.users.findById(userId);
      return row ? ((await toUsers([row], presence))[0] ?? null) : null;
    },
    // Answers 404 for "not a member" and "does not exist" alike, like every other access check.
    conversationFor: async (conversationId, userId) => {
      await access.requireMember(conversationId, userId);
      const conv = await stores.conversations.findById(conversationId);
      if (!conv) return null;
      return { id: conv.id, kind: conv.kind, memberIds: await stores.conversations.memberIds(conv.id) };
    },
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
  const meetings = createMeetingService(deps, settings.jitsi, settings.meetingTtlSeconds);
  return { calls, meetings };
}
