import { badRequest, notFound } from "@messenger/common";
import type { CallEndReason, CallLog, CallOutcome, ServerToClientEvents, User } from "@messenger/protocol";
import { alreadyInCall, callNotFound, duplicateCall, notDirect } from "./errors.js";
import type { CallRow, CallStore, NewCall } from "./store.js";

type Events = ServerToClientEvents;
type EventName = "call:incoming" | "call:accepted" | "call:signal" | "call:ended";

/** How call events leave the server; implemented over socket.io rooms (works across instances with an adapter). */
export interface CallEmitter {
  toSocket<E extends EventName>(socketId: string, event: E, payload: Parameters<Events[E]>[0]): void;
  toUser<E extends EventName>(
    userId: string,
    event: E,
    payload: Parameters<Events[E]>[0],
    opts?: { exceptSocketId?: string },
  ): void;
}

export interface CallLogEntry {
  conversationId: string;
  /** The call-log message is "sent" by the caller. */
  callerId: string;
  call: CallLog;
  body: string;
}

/** A conversation as calls need it: who is in it. */
export interface CallConversation {
  id: string;
  kind: "direct" | "group";
  memberIds: string[];
}

export interface CallServiceDeps {
  store: CallStore;
  emit: CallEmitter;
  /** The conversation, if `userId` is a member (throws not_found otherwise, hiding that it exists). */
  conversationFor(conversationId: string, userId: string): Promise<CallConversation | null>;
  /** A user as the wire shows them, with their real presence. */
  userById(userId: string): Promise<User | null>;
  /** True when a socket with this id is connected to any instance. */
  isSocketAlive(socketId: string): Promise<boolean>;
  /** Posts the call-log message through the normal message path (gap-free seq, message:new). */
  postCallLog(entry: CallLogEntry): Promise<void>;
  /** Unanswered calls end as "no-answer" after this long (45 s in production). */
  ringTimeoutMs: number;
  /** A participant whose socket stays gone this long ends the call as "disconnected". */
  disconnectGraceMs: number;
  log: { warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

export interface Caller {
  userId: string;
  socketId: string;
}

function roleOf(call: CallRow, userId: string): "caller" | "callee" | null {
  if (call.caller_id === userId) return "caller";
  if (call.callee_id === userId) return "callee";
  return null;
}

function outcomeOf(call: CallRow): CallOutcome {
  if (call.answered_at) return "completed";
  switch (call.end_reason) {
    case "declined":
      return "declined";
    case "busy":
      return "busy";
    default:
      return "missed";
  }
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** Plain-text summary, for clients and previews that do not render call logs specially. */
export function callLogBody(log: CallLog): string {
  const kind = log.video ? "Video call" : "Voice call";
  switch (log.outcome) {
    case "completed":
      return `${kind} · ${formatDuration(log.durationMs)}`;
    case "declined":
      return `${kind} declined`;
    case "busy":
      return `${kind} · busy`;
    case "failed":
      return `${kind} failed`;
    default:
      return `Missed ${kind.toLowerCase()}`;
  }
}

/**
 * The 1:1 call state machine: ringing → active → ended (or ringing → ended).
 * State lives in PostgreSQL; the ring and disconnect timers live on the instance
 * that saw the invite or the disconnect, and every transition they trigger is a
 * guarded UPDATE, so a timer that lost a race does nothing.
 */
export function createCallService(deps: CallServiceDeps) {
  const { store, emit, log } = deps;
  const ringTimers = new Map<string, NodeJS.Timeout>();
  const graceTimers = new Map<string, NodeJS.Timeout>();

  function clearRing(callId: string) {
    const t = ringTimers.get(callId);
    if (t) clearTimeout(t);
    ringTimers.delete(callId);
  }

  /** Posts the call log once the call is over; a failure to log never breaks the call flow. */
  async function finish(call: CallRow) {
    clearRing(call.id);
    const durationMs =
      call.answered_at && call.ended_at ? Math.max(0, call.ended_at.getTime() - call.answered_at.getTime()) : 0;
    const entry: CallLog = { callId: call.id, video: call.video, outcome: outcomeOf(call), durationMs };
    try {
      await deps.postCallLog({
        conversationId: call.conversation_id,
        callerId: call.caller_id,
        call: entry,
        body: callLogBody(entry),
      });
    } catch (err) {
      log.error({ err, callId: call.id }, "posting the call log failed");
    }
  }

  /** Tells each side of an ended call, except the socket that ended it (it gets the ack). */
  function notifyEnded(call: CallRow, reason: CallEndReason, exceptSocketId?: string) {
    const payload = { callId: call.id, reason };
    if (call.caller_socket !== exceptSocketId) emit.toSocket(call.caller_socket, "call:ended", payload);
    if (call.callee_socket) {
      if (call.callee_socket !== exceptSocketId) emit.toSocket(call.callee_socket, "call:ended", payload);
    } else {
      // Still ringing: every device of the callee is ringing.
      emit.toUser(call.callee_id, "call:ended", payload, { exceptSocketId });
    }
  }

  async function endAndNotify(
    callId: string,
    reason: CallEndReason,
    from: CallRow["state"][],
    exceptSocketId?: string,
    guard?: { role: "caller" | "callee"; socketId: string },
  ): Promise<CallRow | null> {
    const ended = await store.end(callId, reason, from, guard);
    if (!ended) return null;
    notifyEnded(ended, reason, exceptSocketId);
    await finish(ended);
    return ended;
  }

  /**
   * A user's live call whose sockets are all gone (a crashed instance, a lost
   * timer) must not keep them "busy" forever: end it before deciding.
   */
  async function reapStale(userId: string): Promise<boolean> {
    const call = await store.liveCallOf(userId);
    if (!call) return true;
    const age = Date.now() - call.created_at.getTime();
    if (call.state === "ringing" && age > deps.ringTimeoutMs + deps.disconnectGraceMs) {
      return (await endAndNotify(call.id, "no-answer", ["ringing"])) !== null;
    }
    const sockets = [call.caller_socket, call.callee_socket].filter((s): s is string => !!s);
    const alive = await Promise.all(sockets.map((s) => deps.isSocketAlive(s)));
    // One live side means the call may well be going on (media is peer-to-peer; a
    // participant mid-reconnect is covered by the grace timer): only all-dead is stale.
    if (alive.some(Boolean)) return false;
    return (await endAndNotify(call.id, "disconnected", ["ringing", "active"])) !== null;
  }

  async function requireCall(callId: string, userId: string) {
    const call = await store.get(callId);
    const role = call ? roleOf(call, userId) : null;
    if (!call || !role || call.state === "ended") throw callNotFound();
    return { call, role };
  }

  /**
   * The socket a participant acts from must be the one bound to the call; a
   * different device of theirs may take over only if the bound one is gone
   * (a reconnect gets a new socket id).
   */
  async function requireBoundSocket(call: CallRow, role: "caller" | "callee", socketId: string): Promise<CallRow> {
    const bound = role === "caller" ? call.caller_socket : call.callee_socket;
    if (bound === socketId) return call;
    if (!bound || (await deps.isSocketAlive(bound))) throw callNotFound();
    const rebound = await store.rebind(call.id, role, bound, socketId);
    if (!rebound) throw callNotFound();
    const t = graceTimers.get(`${call.id}:${bound}`);
    if (t) clearTimeout(t);
    graceTimers.delete(`${call.id}:${bound}`);
    return rebound;
  }

  function startRinging(callId: string) {
    const timer = setTimeout(() => {
      ringTimers.delete(callId);
      endAndNotify(callId, "no-answer", ["ringing"]).catch((err) => log.error({ err, callId }, "ring timeout failed"));
    }, deps.ringTimeoutMs);
    timer.unref?.();
    ringTimers.set(callId, timer);
  }

  return {
    async invite(me: Caller, p: { callId: string; conversationId: string; video: boolean }): Promise<void> {
      const conv = await deps.conversationFor(p.conversationId, me.userId);
      if (!conv) throw notFound("conversation");
      if (conv.kind !== "direct") throw notDirect();
      const calleeId = conv.memberIds.find((id) => id !== me.userId);
      if (!calleeId || conv.memberIds.length !== 2) throw badRequest("this conversation has nobody to call");
      if ((await deps.userById(calleeId))?.deactivated) throw badRequest("this account was deactivated");
      const call: NewCall = {
        id: p.callId,
        conversationId: conv.id,
        callerId: me.userId,
        calleeId,
        video: p.video,
        callerSocket: me.socketId,
      };
      let result = await store.create(call);
      // A "busy" that comes from a stale call (its sockets all gone) is cleared and retried once.
      if (result === "caller-busy" && (await reapStale(me.userId))) result = await store.create(call);
      if (result === "callee-busy" && (await reapStale(calleeId))) result = await store.create(call);
      if (result === "duplicate") throw duplicateCall();
      if (result === "caller-busy") throw alreadyInCall();
      if (result === "callee-busy") {
        const ended = await store.recordEnded(call, "busy");
        if (!ended) throw duplicateCall();
        // After the ack, so the caller knows the call before it hears how it ended.
        setImmediate(() => {
          emit.toSocket(me.socketId, "call:ended", { callId: p.callId, reason: "busy" });
          finish(ended).catch(() => {});
        });
        return;
      }
      const caller = await deps.userById(me.userId);
      if (!caller) throw notFound("user");
      emit.toUser(calleeId, "call:incoming", {
        callId: p.callId,
        conversationId: conv.id,
        from: caller,
        video: p.video,
      });
      startRinging(p.callId);
    },

    /** Returns whether the accepting side creates the offer (never: the caller does). */
    async accept(me: Caller, callId: string): Promise<{ initiator: boolean }> {
      const { call, role } = await requireCall(callId, me.userId);
      if (role !== "callee") throw callNotFound();
      const active = await store.accept(call.id, me.userId, me.socketId);
      // Another device won the race, or the call ended meanwhile.
      if (!active) throw callNotFound();
      clearRing(call.id);
      // The caller's socket has the offer ready to make; the accepting socket answers.
      emit.toSocket(active.caller_socket, "call:accepted", { callId, by: me.userId, initiator: true });
      emit.toUser(me.userId, "call:ended", { callId, reason: "answered-elsewhere" }, { exceptSocketId: me.socketId });
      return { initiator: false };
    },

    async decline(me: Caller, callId: string): Promise<void> {
      const { call, role } = await requireCall(callId, me.userId);
      if (role !== "callee" || call.state !== "ringing") throw callNotFound();
      const ended = await endAndNotify(callId, "declined", ["ringing"], me.socketId);
      if (!ended) throw callNotFound();
    },

    async signal(me: Caller, callId: string, data: Record<string, unknown>): Promise<void> {
      const { call, role } = await requireCall(callId, me.userId);
      if (call.state !== "active") throw callNotFound();
      const bound = await requireBoundSocket(call, role, me.socketId);
      const target = role === "caller" ? bound.callee_socket : bound.caller_socket;
      if (!target) throw callNotFound();
      emit.toSocket(target, "call:signal", { callId, from: me.userId, data });
    },

    async end(me: Caller, callId: string): Promise<void> {
      const { call, role } = await requireCall(callId, me.userId);
      if (call.state === "ringing") {
        // Before an answer: the caller cancels; the callee (from any device) declines.
        const reason: CallEndReason = role === "caller" ? "cancelled" : "declined";
        const ended = await endAndNotify(callId, reason, ["ringing"], me.socketId);
        if (!ended) throw callNotFound();
        return;
      }
      // In a call, hanging up from another device of the same user is allowed too.
      const ended = await endAndNotify(callId, "hangup", ["active"], me.socketId);
      if (!ended) throw callNotFound();
    },

    /** A device that connects while its user's phone is ringing rings too. */
    async onConnect(me: Caller): Promise<void> {
      const ringing = await store.ringingFor(me.userId);
      for (const call of ringing) {
        if (Date.now() - call.created_at.getTime() > deps.ringTimeoutMs) continue;
        const caller = await deps.userById(call.caller_id);
        if (!caller) continue;
        emit.toSocket(me.socketId, "call:incoming", {
          callId: call.id,
          conversationId: call.conversation_id,
          from: caller,
          video: call.video,
        });
      }
    },

    /** A bound socket went away: give it a short grace (reconnects), then end the call. */
    async onDisconnect(socketId: string): Promise<void> {
      const calls = await store.liveBySocket(socketId);
      for (const call of calls) {
        const role = call.caller_socket === socketId ? "caller" : "callee";
        const key = `${call.id}:${socketId}`;
        const timer = setTimeout(() => {
          graceTimers.delete(key);
          (async () => {
            // A recovered connection keeps its socket id; then the call goes on.
            if (await deps.isSocketAlive(socketId)) return;
            await endAndNotify(call.id, "disconnected", ["ringing", "active"], socketId, { role, socketId });
          })().catch((err) => log.error({ err, callId: call.id }, "disconnect handling failed"));
        }, deps.disconnectGraceMs);
        timer.unref?.();
        graceTimers.set(key, timer);
      }
    },

    /** The user's account was deactivated: their ringing or active call ends now, for the other side too. */
    async endCallsOf(userId: string): Promise<void> {
      const call = await store.liveCallOf(userId);
      if (call) await endAndNotify(call.id, "disconnected", ["ringing", "active"]);
    },

    /** Stops this instance's timers (app shutdown). Calls in the database are ended by their next sweep. */
    close() {
      for (const t of ringTimers.values()) clearTimeout(t);
      for (const t of graceTimers.values()) clearTimeout(t);
      ringTimers.clear();
      graceTimers.clear();
    },
  };
}
export type CallService = ReturnType<typeof createCallService>;
