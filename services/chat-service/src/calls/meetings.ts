import { badRequest } from "@messenger/common";
import type {
  CallLog,
  MeetingJoinResponse,
  MeetingProvider,
  MeetingResponse,
  MeetingState,
  MeetingStateResponse,
} from "@messenger/protocol";
import type { CoreDeps } from "../core-deps.js";
import { meetingFull, noMeeting, notGroupMeeting } from "./errors.js";
import { type JitsiSettings, meetingUrl, signJitsiToken } from "./jitsi.js";
import { createMeetingStore, type MeetingRow } from "./meeting-store.js";
import { formatDuration } from "./service.js";
import { JITSI_TOKEN_TTL_SECONDS } from "./settings.js";

export interface MeetingSettings {
  /** Empty: meetings run on the built-in mesh call; never a public Jitsi. */
  jitsi: JitsiSettings;
  ttlSeconds: number;
  /** The mesh call's size cap (every pair has its own connection, so it stays small). */
  meshMaxParticipants: number;
  /** A participant whose socket stays gone this long leaves the meeting. */
  disconnectGraceMs: number;
}

export interface MeetingLog {
  conversationId: string;
  /** Who "sends" the log: the last to leave. */
  senderId: string;
  call: CallLog;
  body: string;
}

export function meetingLogBody(provider: MeetingProvider, durationMs: number, people: number): string {
  return `Meeting · ${formatDuration(durationMs)} · ${people} ${people === 1 ? "participant" : "participants"}${provider === "jitsi" ? " (Jitsi)" : ""}`;
}

/**
 * Group meetings: the built-in mesh call (signals relayed between the participants' sockets)
 * or, with JITSI_DOMAIN set, a Jitsi room with a token per user (only the starter is "owner").
 * Who is in a meeting lives in PostgreSQL; the last one out ends it and leaves a call log.
 */
export function createMeetingService(
  deps: CoreDeps & { postLog(log: MeetingLog): Promise<void> },
  settings: MeetingSettings,
) {
  const { access, stores, hub, log } = deps;
  const store = createMeetingStore(deps.db);
  const provider: MeetingProvider = settings.jitsi.domain ? "jitsi" : "mesh";
  const maxParticipants = provider === "mesh" ? settings.meshMaxParticipants : null;
  const graceTimers = new Map<string, NodeJS.Timeout>();

  async function requireGroupMember(conversationId: string, userId: string) {
    await access.requireMember(conversationId, userId);
    const conv = await stores.conversations.findById(conversationId);
    if (!conv) throw noMeeting();
    if (conv.kind !== "group") throw notGroupMeeting();
  }

  const toState = (m: MeetingRow, participantIds: string[]): MeetingState => ({
    id: m.id,
    conversationId: m.conversation_id,
    provider: m.provider,
    startedAt: m.started_at.toISOString(),
    startedBy: m.started_by,
    participantIds,
  });

  async function tellMembers(conversationId: string, meeting: MeetingState | null) {
    // Through the user rooms (joined as a socket connects), so a device that just connected hears it too.
    const members = await stores.conversations.memberIds(conversationId);
    hub.toUsers(members).emit("meeting:updated", { conversationId, meeting });
  }

  async function jitsiToken(meeting: MeetingRow, userId: string): Promise<MeetingResponse> {
    const user = await stores.users.findById(userId);
    const expiresAt = new Date(Math.min(Date.now() + JITSI_TOKEN_TTL_SECONDS * 1000, meeting.expires_at.getTime()));
    const jwt = await signJitsiToken(settings.jitsi, {
      roomName: meeting.room_name,
      user: { id: userId, name: user?.display_name ?? user?.username ?? "" },
      owner: meeting.started_by === userId,
      expiresAt,
    });
    return {
      domain: settings.jitsi.domain,
      roomName: meeting.room_name,
      url: meetingUrl(settings.jitsi.domain, meeting.room_name),
      jwt,
      expiresAt: expiresAt.toISOString(),
    };
  }

  /** Participants whose socket is gone (a crashed instance, a lost timer) must not fill the meeting. */
  async function reapGone(meetingId: string) {
    for (const p of await store.live(meetingId)) {
      if (p.socket_id && !(await hub.isSocketAlive(p.socket_id))) await leave(p.user_id, meetingId, p.socket_id);
    }
  }

  async function leave(userId: string, meetingId: string, socketId?: string): Promise<boolean> {
    const left = await store.leave(meetingId, userId, socketId);
    if (!left) return false;
    const { meeting } = left;
    await tellMembers(meeting.conversation_id, left.ended ? null : toState(meeting, left.participantIds));
    if (left.ended) {
      const everyone = await store.everyone(meeting.id);
      const durationMs = Math.max(0, (meeting.ended_at ?? new Date()).getTime() - meeting.started_at.getTime());
      try {
        await deps.postLog({
          conversationId: meeting.conversation_id,
          senderId: userId,
          call: { callId: meeting.id, video: true, outcome: "completed", durationMs, participantIds: everyone },
          body: meetingLogBody(meeting.provider, durationMs, everyone.length),
        });
      } catch (err) {
        log.error({ err, meetingId }, "posting the meeting log failed");
      }
    }
    return true;
  }

  return {
    provider,

    /** The running meeting, if any, for a member (404 for anyone else). */
    async state(userId: string, conversationId: string): Promise<MeetingStateResponse> {
      await requireGroupMember(conversationId, userId);
      const meeting = await store.running(conversationId);
      return {
        meeting: meeting ? toState(meeting, await store.participantIds(meeting.id)) : null,
        provider,
        maxParticipants,
      };
    },

    /** Starts the group's meeting or joins the running one. */
    async join(
      userId: string,
      conversationId: string,
      socketId?: string,
    ): Promise<{ response: MeetingJoinResponse; started: boolean }> {
      await requireGroupMember(conversationId, userId);
      if (socketId) {
        if ((await hub.socketUserId(socketId)) !== userId)
          throw badRequest("socketId is not a connected socket of yours");
      } else if (provider === "mesh") {
        throw badRequest("socketId is required: the call's signals go to that socket");
      }
      const running = await store.running(conversationId);
      if (running) await reapGone(running.id);
      const result = await store.join({
        conversationId,
        userId,
        socketId: socketId ?? null,
        provider,
        ttlSeconds: settings.ttlSeconds,
        maxParticipants,
      });
      if (result.kind === "full") throw meetingFull(settings.meshMaxParticipants);
      const { meeting, started, participantIds } = result;
      const state = toState(meeting, participantIds);
      if (started) {
        const members = await stores.conversations.memberIds(conversationId);
        hub.toUsers(members).emit("meeting:started", {
          conversationId,
          startedBy: userId,
          provider: meeting.provider,
          meetingId: meeting.id,
          ...(meeting.provider === "jitsi" ? { url: meetingUrl(settings.jitsi.domain, meeting.room_name) } : {}),
        });
      }
      await tellMembers(conversationId, state);
      // A meeting started before JITSI_DOMAIN changed keeps its provider until it ends.
      const response: MeetingJoinResponse =
        meeting.provider === "jitsi" && settings.jitsi.domain
          ? { provider: "jitsi", meeting: state, ...(await jitsiToken(meeting, userId)) }
          : { provider: "mesh", meeting: state };
      return { response, started };
    },

    /** Leaves (any device of the user); the last one out ends the meeting. */
    async leave(userId: string, meetingId: string): Promise<void> {
      if (!(await leave(userId, meetingId))) throw noMeeting();
    },

    /** Relays one mesh signal from a participant's bound socket to another participant's socket. */
    async signal(
      me: { userId: string; socketId: string },
      p: { meetingId: string; to: string; data: Record<string, unknown> },
    ): Promise<void> {
      if (p.to === me.userId) throw badRequest("a signal goes to another participant");
      const target = await store.signalRoute(p.meetingId, me.userId, me.socketId, p.to);
      if (!target) throw noMeeting();
      hub.toSocket(target).emit("meeting:signal", { meetingId: p.meetingId, from: me.userId, data: p.data });
    },

    /** A participant's socket went away: after the grace period (no reconnect), they have left. */
    async onDisconnect(socketId: string): Promise<void> {
      for (const p of await store.liveBySocket(socketId)) {
        const key = `${p.meeting_id}:${socketId}`;
        const timer = setTimeout(() => {
          graceTimers.delete(key);
          (async () => {
            if (await hub.isSocketAlive(socketId)) return;
            await leave(p.user_id, p.meeting_id, socketId);
          })().catch((err) => log.error({ err, meetingId: p.meeting_id }, "meeting disconnect handling failed"));
        }, settings.disconnectGraceMs);
        timer.unref?.();
        graceTimers.set(key, timer);
      }
    },

    close() {
      for (const t of graceTimers.values()) clearTimeout(t);
      graceTimers.clear();
    },
  };
}
export type MeetingService = ReturnType<typeof createMeetingService>;
