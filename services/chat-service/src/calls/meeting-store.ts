import { type Db, type Queryable, withTransaction } from "@messenger/common";
import type { MeetingProvider } from "@messenger/protocol";
import { newRoomName } from "./jitsi.js";

export interface MeetingRow {
  id: string;
  conversation_id: string;
  provider: MeetingProvider;
  room_name: string;
  started_by: string | null;
  started_at: Date;
  expires_at: Date;
  ended_at: Date | null;
}

export interface ParticipantRow {
  meeting_id: string;
  user_id: string;
  socket_id: string | null;
  joined_at: Date;
  left_at: Date | null;
}

const MEETING = "id, conversation_id, provider, room_name, started_by, started_at, expires_at, ended_at";
const PARTICIPANT = "meeting_id, user_id, socket_id, joined_at, left_at";

export type JoinResult =
  | { kind: "joined"; meeting: MeetingRow; started: boolean; participantIds: string[] }
  | { kind: "full"; meeting: MeetingRow };

/**
 * Meetings and who is in them, in PostgreSQL: every instance reads the same state, and every
 * change is one guarded statement (or one transaction serialised per conversation).
 */
export function createMeetingStore(db: Db) {
  async function running(conversationId: string, q: Queryable = db): Promise<MeetingRow | null> {
    const r = await q.query<MeetingRow>(
      `SELECT ${MEETING} FROM meetings
       WHERE conversation_id = $1 AND ended_at IS NULL AND expires_at > now()
       ORDER BY started_at DESC LIMIT 1`,
      [conversationId],
    );
    return r.rows[0] ?? null;
  }

  async function participantIds(meetingId: string, q: Queryable = db): Promise<string[]> {
    const r = await q.query<{ user_id: string }>(
      "SELECT user_id FROM meeting_participants WHERE meeting_id = $1 AND left_at IS NULL ORDER BY joined_at, user_id",
      [meetingId],
    );
    return r.rows.map((row) => row.user_id);
  }

  return {
    running,
    participantIds,

    async get(meetingId: string): Promise<MeetingRow | null> {
      const r = await db.query<MeetingRow>(`SELECT ${MEETING} FROM meetings WHERE id = $1`, [meetingId]);
      return r.rows[0] ?? null;
    },

    /** Live participants with their sockets (to reap the ones whose socket is gone). */
    async live(meetingId: string): Promise<ParticipantRow[]> {
      const r = await db.query<ParticipantRow>(
        `SELECT ${PARTICIPANT} FROM meeting_participants WHERE meeting_id = $1 AND left_at IS NULL`,
        [meetingId],
      );
      return r.rows;
    },

    /**
     * Joins the running meeting of the conversation, starting one if none runs. Concurrent joins
     * of one conversation are serialised, so they agree on one meeting and the cap holds.
     */
    async join(opts: {
      conversationId: string;
      userId: string;
      socketId: string | null;
      provider: MeetingProvider;
      ttlSeconds: number;
      maxParticipants: number | null;
    }): Promise<JoinResult> {
      return withTransaction(db, async (tx) => {
        // Serialises per conversation without touching the conversation row (messages lock it).
        await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('meeting:' || $1, 0))", [opts.conversationId]);
        let meeting = await running(opts.conversationId, tx);
        let started = false;
        if (!meeting) {
          const r = await tx.query<MeetingRow>(
            `INSERT INTO meetings (conversation_id, provider, room_name, started_by, expires_at)
             VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) RETURNING ${MEETING}`,
            [opts.conversationId, opts.provider, newRoomName(), opts.userId, opts.ttlSeconds],
          );
          meeting = r.rows[0]!;
          started = true;
        }
        const present = await participantIds(meeting.id, tx);
        if (opts.maxParticipants !== null && !present.includes(opts.userId) && present.length >= opts.maxParticipants)
          return { kind: "full", meeting };
        // Joining again (a reload, another device) moves the participation to the new socket.
        await tx.query(
          `INSERT INTO meeting_participants (meeting_id, user_id, socket_id) VALUES ($1, $2, $3)
           ON CONFLICT (meeting_id, user_id) DO UPDATE
             SET socket_id = EXCLUDED.socket_id,
                 left_at = NULL,
                 joined_at = CASE WHEN meeting_participants.left_at IS NULL THEN meeting_participants.joined_at ELSE now() END`,
          [meeting.id, opts.userId, opts.socketId],
        );
        return { kind: "joined", meeting, started, participantIds: await participantIds(meeting.id, tx) };
      });
    },

    /**
     * Ends one participation (only the one bound to `socketId` when given). When nobody is left,
     * the meeting ends in the same transaction; whoever gets `ended` back writes the log.
     */
    async leave(
      meetingId: string,
      userId: string,
      socketId?: string,
    ): Promise<{ meeting: MeetingRow; participantIds: string[]; ended: boolean } | null> {
      return withTransaction(db, async (tx) => {
        const m = await tx.query<{ conversation_id: string }>(
          "SELECT conversation_id FROM meetings WHERE id = $1 AND ended_at IS NULL",
          [meetingId],
        );
        const conversationId = m.rows[0]?.conversation_id;
        if (!conversationId) return null;
        await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('meeting:' || $1, 0))", [conversationId]);
        const left = await tx.query(
          `UPDATE meeting_participants SET left_at = now()
           WHERE meeting_id = $1 AND user_id = $2 AND left_at IS NULL ${socketId ? "AND socket_id = $3" : ""}
           RETURNING user_id`,
          socketId ? [meetingId, userId, socketId] : [meetingId, userId],
        );
        if (left.rowCount === 0) return null;
        const remaining = await participantIds(meetingId, tx);
        const r = await tx.query<MeetingRow>(
          remaining.length === 0
            ? `UPDATE meetings SET ended_at = now() WHERE id = $1 AND ended_at IS NULL RETURNING ${MEETING}`
            : `SELECT ${MEETING} FROM meetings WHERE id = $1`,
          [meetingId],
        );
        const meeting = r.rows[0];
        if (!meeting) return null;
        return { meeting, participantIds: remaining, ended: remaining.length === 0 };
      });
    },

    /** Sender and addressee of a mesh signal, both live in the meeting; the sender on this socket. */
    async signalRoute(
      meetingId: string,
      fromUserId: string,
      fromSocketId: string,
      toUserId: string,
    ): Promise<string | null> {
      const r = await db.query<{ socket_id: string | null }>(
        `SELECT t.socket_id FROM meeting_participants f
         JOIN meeting_participants t ON t.meeting_id = f.meeting_id AND t.user_id = $4 AND t.left_at IS NULL
         JOIN meetings m ON m.id = f.meeting_id AND m.ended_at IS NULL
         WHERE f.meeting_id = $1 AND f.user_id = $2 AND f.socket_id = $3 AND f.left_at IS NULL`,
        [meetingId, fromUserId, fromSocketId, toUserId],
      );
      return r.rows[0]?.socket_id ?? null;
    },

    async liveBySocket(socketId: string): Promise<ParticipantRow[]> {
      const r = await db.query<ParticipantRow>(
        `SELECT ${PARTICIPANT} FROM meeting_participants WHERE socket_id = $1 AND left_at IS NULL`,
        [socketId],
      );
      return r.rows;
    },

    /** Everyone who took part, in the order they first joined (for the call log). */
    async everyone(meetingId: string): Promise<string[]> {
      const r = await db.query<{ user_id: string }>(
        "SELECT user_id FROM meeting_participants WHERE meeting_id = $1 ORDER BY joined_at, user_id",
        [meetingId],
      );
      return r.rows.map((row) => row.user_id);
    },
  };
}
export type MeetingStore = ReturnType<typeof createMeetingStore>;
