import { type Db, type Queryable, withTransaction } from "@messenger/common";
import type { MeetingResponse } from "@messenger/protocol";
import type { CoreDeps } from "../core-deps.js";
import { noMeeting, notGroupMeeting } from "./errors.js";
import { type JitsiSettings, meetingUrl, newRoomName, signJitsiToken } from "./jitsi.js";
import { JITSI_TOKEN_TTL_SECONDS } from "./settings.js";

export interface MeetingRow {
  id: string;
  conversation_id: string;
  room_name: string;
  started_by: string | null;
  started_at: Date;
  expires_at: Date;
}

const MEETING = "id, conversation_id, room_name, started_by, started_at, expires_at";

export function createMeetingStore(db: Db) {
  return {
    async active(conversationId: string, q: Queryable = db): Promise<MeetingRow | null> {
      const r = await q.query<MeetingRow>(
        `SELECT ${MEETING} FROM meetings WHERE conversation_id = $1 AND expires_at > now()
         ORDER BY expires_at DESC LIMIT 1`,
        [conversationId],
      );
      return r.rows[0] ?? null;
    },

    /** The running meeting, or a new one; concurrent starts in one conversation agree on one room. */
    async getOrStart(
      conversationId: string,
      userId: string,
      ttlSeconds: number,
    ): Promise<{ meeting: MeetingRow; started: boolean }> {
      return withTransaction(db, async (tx) => {
        // Serialises starts per conversation without touching the conversation row (messages lock it).
        await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('meeting:' || $1, 0))", [conversationId]);
        const running = await this.active(conversationId, tx);
        if (running) return { meeting: running, started: false };
        const r = await tx.query<MeetingRow>(
          `INSERT INTO meetings (conversation_id, room_name, started_by, expires_at)
           VALUES ($1, $2, $3, now() + make_interval(secs => $4)) RETURNING ${MEETING}`,
          [conversationId, newRoomName(), userId, ttlSeconds],
        );
        return { meeting: r.rows[0]!, started: true };
      });
    },
  };
}

/**
 * Group meetings in Jitsi: one room per running meeting, a token per user. The
 * token makes only the starter a moderator ("owner"); everyone else is a member.
 */
export function createMeetingService(deps: CoreDeps, jitsi: JitsiSettings, meetingTtlSeconds: number) {
  const { access, stores, hub } = deps;
  const meetings = createMeetingStore(deps.db);

  async function requireGroupMember(conversationId: string, userId: string) {
    await access.requireMember(conversationId, userId);
    const conv = await stores.conversations.findById(conversationId);
    if (!conv) throw noMeeting();
    if (conv.kind !== "group") throw notGroupMeeting();
  }

  async function tokenFor(meeting: MeetingRow, userId: string): Promise<MeetingResponse> {
    const user = await stores.users.findById(userId);
    const expiresAt = new Date(Math.min(Date.now() + JITSI_TOKEN_TTL_SECONDS * 1000, meeting.expires_at.getTime()));
    const jwt = await signJitsiToken(jitsi, {
      roomName: meeting.room_name,
      user: { id: userId, name: user?.display_name ?? user?.username ?? "" },
      owner: meeting.started_by === userId,
      expiresAt,
    });
    return {
      domain: jitsi.domain,
      roomName: meeting.room_name,
      url: meetingUrl(jitsi.domain, meeting.room_name),
      jwt,
      expiresAt: expiresAt.toISOString(),
    };
  }

  return {
    /** Starts a meeting (or joins the running one) and tells every member's sockets once. */
    async start(userId: string, conversationId: string): Promise<{ meeting: MeetingResponse; started: boolean }> {
      await requireGroupMember(conversationId, userId);
      const { meeting, started } = await meetings.getOrStart(conversationId, userId, meetingTtlSeconds);
      const response = await tokenFor(meeting, userId);
      if (started) {
        // Through the user rooms (joined as a socket connects) rather than the conversation
        // room (joined a query later), so a device that just connected hears it too.
        const members = await stores.conversations.memberIds(conversationId);
        hub.toUsers(members).emit("meeting:started", {
          conversationId,
          url: response.url,
          startedBy: userId,
        });
      }
      return { meeting: response, started };
    },

    /** A token of one's own for the running meeting. */
    async join(userId: string, conversationId: string): Promise<MeetingResponse> {
      await requireGroupMember(conversationId, userId);
      const meeting = await meetings.active(conversationId);
      if (!meeting) throw noMeeting();
      return tokenFor(meeting, userId);
    },
  };
}
export type MeetingService = ReturnType<typeof createMeetingService>;
