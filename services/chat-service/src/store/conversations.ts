import type { Queryable } from "@messenger/common";

export interface ConversationRow {
  id: string;
  kind: "direct" | "group";
  title: string | null;
  direct_key: string | null;
  created_by: string | null;
  last_seq: number;
  last_activity_at: Date;
  created_at: Date;
  /** Kept by triggers (migration 006). */
  member_count: number;
  visibility: "private" | "public";
  topic: string | null;
  archived: boolean;
  /** System messages so far (they take seqs but are never unread). */
  system_count: number;
}

export interface MemberRow {
  conversation_id: string;
  user_id: string;
  role: "admin" | "member";
  last_read_seq: number;
  last_delivered_seq: number;
  joined_at: Date;
  /** Messages after last_read_seq that mention this member. */
  mention_count: number;
  /** null: the default for the conversation's size. */
  notify_level: "all" | "mentions" | "none" | null;
  muted: boolean;
}

/** Where one member's positions should move to (0: no move of that kind). */
export interface PositionTarget {
  conversationId: string;
  userId: string;
  readSeq: number;
  deliveredSeq: number;
}

/** A member's positions that moved: from where, to where, and whose messages they crossed. */
export interface MovedPosition {
  readFrom: number;
  readTo: number;
  deliveredFrom: number;
  deliveredTo: number;
  /** Senders (other than the member, and still members) of the messages in (readFrom, readTo]. */
  readSenders: string[];
  deliveredSenders: string[];
}

export interface PositionResult {
  conversationId: string;
  userId: string;
  /** null when neither position moved. */
  moved: MovedPosition | null;
}

const CONV =
  "c.id, c.kind, c.title, c.direct_key, c.created_by, c.last_seq, c.last_activity_at, c.created_at, c.member_count, c.visibility, c.topic, c.archived, c.system_count";
const MEMBER =
  "conversation_id, user_id, role, last_read_seq, last_delivered_seq, joined_at, mention_count, notify_level, muted";

export function createConversationStore(db: Queryable) {
  return {
    async findById(id: string, q: Queryable = db): Promise<ConversationRow | null> {
      const r = await q.query<ConversationRow>(`SELECT ${CONV} FROM conversations c WHERE c.id = $1`, [id]);
      return r.rows[0] ?? null;
    },
    /** Takes the row lock that serialises every sequence number of the conversation. */
    async lockForUpdate(id: string, q: Queryable): Promise<ConversationRow | null> {
      const r = await q.query<ConversationRow>(`SELECT ${CONV} FROM conversations c WHERE c.id = $1 FOR UPDATE`, [id]);
      return r.rows[0] ?? null;
    },
    /**
     * The caller's conversations, latest activity first. A direct conversation nobody has written in
     * yet shows only to the one who opened it (the other person sees it with its first message).
     */
    async listForUser(userId: string, q: Queryable = db): Promise<ConversationRow[]> {
      const r = await q.query<ConversationRow>(
        `SELECT ${CONV} FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
         WHERE m.user_id = $1 AND NOT (c.kind = 'direct' AND c.last_seq = 0 AND c.created_by IS DISTINCT FROM $1)
         ORDER BY c.last_activity_at DESC, c.id`,
        [userId],
      );
      return r.rows;
    },
    async conversationIdsOf(userId: string, q: Queryable = db): Promise<string[]> {
      const r = await q.query<{ conversation_id: string }>(
        "SELECT conversation_id FROM conversation_members WHERE user_id = $1",
        [userId],
      );
      return r.rows.map((x) => x.conversation_id);
    },
    /** Get-or-create in one statement: concurrent calls from both sides land on the same row. */
    async upsertDirect(
      directKey: string,
      createdBy: string,
      q: Queryable,
    ): Promise<{ row: ConversationRow; created: boolean }> {
      const ins = await q.query<ConversationRow>(
        `INSERT INTO conversations AS c (kind, direct_key, created_by) VALUES ('direct', $1, $2)
         ON CONFLICT (direct_key) DO NOTHING RETURNING ${CONV}`,
        [directKey, createdBy],
      );
      if (ins.rows[0]) return { row: ins.rows[0], created: true };
      const r = await q.query<ConversationRow>(`SELECT ${CONV} FROM conversations c WHERE c.direct_key = $1`, [
        directKey,
      ]);
      return { row: r.rows[0]!, created: false };
    },
    async insertGroup(
      g: { title: string; createdBy: string; visibility: "private" | "public"; topic: string | null },
      q: Queryable,
    ): Promise<ConversationRow> {
      const r = await q.query<ConversationRow>(
        `INSERT INTO conversations AS c (kind, title, created_by, visibility, topic) VALUES ('group', $1, $2, $3, $4)
         RETURNING ${CONV}`,
        [g.title, g.createdBy, g.visibility, g.topic],
      );
      return r.rows[0]!;
    },
    /** Adds members (ignoring existing ones); a newcomer's read position starts at the current end. Returns who was added. */
    async addMembers(
      conversationId: string,
      userIds: readonly string[],
      role: "admin" | "member",
      q: Queryable,
    ): Promise<string[]> {
      if (userIds.length === 0) return [];
      const r = await q.query<{ user_id: string }>(
        `INSERT INTO conversation_members (conversation_id, user_id, role, last_read_seq, last_delivered_seq)
         SELECT $1, u.id, $3, c.last_seq, c.last_seq
         FROM users u CROSS JOIN conversations c
         WHERE u.id = ANY($2::uuid[]) AND c.id = $1
         ON CONFLICT (conversation_id, user_id) DO NOTHING RETURNING user_id`,
        [conversationId, userIds, role],
      );
      return r.rows.map((x) => x.user_id);
    },
    async removeMember(conversationId: string, userId: string, q: Queryable): Promise<boolean> {
      const r = await q.query("DELETE FROM conversation_members WHERE conversation_id = $1 AND user_id = $2", [
        conversationId,
        userId,
      ]);
      return (r.rowCount ?? 0) > 0;
    },
    async findMember(conversationId: string, userId: string, q: Queryable = db): Promise<MemberRow | null> {
      const r = await q.query<MemberRow>(
        `SELECT ${MEMBER} FROM conversation_members WHERE conversation_id = $1 AND user_id = $2`,
        [conversationId, userId],
      );
      return r.rows[0] ?? null;
    },
    async membersOf(conversationIds: readonly string[], q: Queryable = db): Promise<MemberRow[]> {
      if (conversationIds.length === 0) return [];
      const r = await q.query<MemberRow>(
        `SELECT ${MEMBER} FROM conversation_members WHERE conversation_id = ANY($1::uuid[]) ORDER BY joined_at, user_id`,
        [conversationIds],
      );
      return r.rows;
    },
    /** One user's member rows in these conversations. */
    async membershipsOf(conversationIds: readonly string[], userId: string, q: Queryable = db): Promise<MemberRow[]> {
      if (conversationIds.length === 0) return [];
      const r = await q.query<MemberRow>(
        `SELECT ${MEMBER} FROM conversation_members WHERE conversation_id = ANY($1::uuid[]) AND user_id = $2`,
        [conversationIds, userId],
      );
      return r.rows;
    },
    /**
     * Members in join order after the cursor (joinedAt as PostgreSQL prints it: full microseconds, so
     * members added in one statement page without repeats), at most `limit`.
     */
    async membersPage(
      conversationId: string,
      after: { joinedAt: string; userId: string } | null,
      limit: number,
      q: Queryable = db,
    ): Promise<(MemberRow & { joined_at_text: string })[]> {
      const r = await q.query<MemberRow & { joined_at_text: string }>(
        `SELECT ${MEMBER}, joined_at::text AS joined_at_text FROM conversation_members
         WHERE conversation_id = $1 AND ($2::timestamptz IS NULL OR (joined_at, user_id) > ($2::timestamptz, $3::uuid))
         ORDER BY joined_at, user_id LIMIT $4`,
        [conversationId, after?.joinedAt ?? null, after?.userId ?? null, limit],
      );
      return r.rows;
    },
    async memberIds(conversationId: string, q: Queryable = db): Promise<string[]> {
      const r = await q.query<{ user_id: string }>(
        "SELECT user_id FROM conversation_members WHERE conversation_id = $1",
        [conversationId],
      );
      return r.rows.map((x) => x.user_id);
    },
    /** Everyone who shares at least one conversation with the user (presence audience). */
    async contactsOf(userId: string, q: Queryable = db): Promise<string[]> {
      const r = await q.query<{ user_id: string }>(
        `SELECT DISTINCT o.user_id FROM conversation_members m
         JOIN conversation_members o ON o.conversation_id = m.conversation_id
         WHERE m.user_id = $1 AND o.user_id <> $1`,
        [userId],
      );
      return r.rows.map((x) => x.user_id);
    },
    /**
     * Advances read/delivered positions, one row per (conversation, user), in one statement: never
     * backwards, never past the last message, and reading implies delivery. Returns a row for each
     * target that is a member (a non-member's target is left out, as is a conversation that does
     * not exist), with `moved` when a position moved: where it was, and the other senders of the
     * messages the move crossed (whose ticks it changed; system messages have none) who are still members. Rows are locked in key order, so
     * concurrent batches do not deadlock each other (a send's position update still can: the
     * caller writes again).
     */
    async advancePositions(targets: readonly PositionTarget[], q: Queryable = db): Promise<PositionResult[]> {
      if (targets.length === 0) return [];
      const r = await q.query<{ conversationId: string; userId: string; moved: boolean } & MovedPosition>({
        name: "conversations.advancePositions",
        text: `WITH target AS (
           SELECT t.conversation_id, t.user_id, LEAST(t.read_seq, c.last_seq) AS read_to,
             LEAST(GREATEST(t.delivered_seq, t.read_seq), c.last_seq) AS delivered_to
           FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::bigint[]) AS t(conversation_id, user_id, read_seq, delivered_seq)
           JOIN conversations c ON c.id = t.conversation_id
           JOIN conversation_members cm ON cm.conversation_id = t.conversation_id AND cm.user_id = t.user_id
         ), old AS (
           SELECT m.conversation_id, m.user_id, m.last_read_seq, m.last_delivered_seq, t.read_to, t.delivered_to
           FROM conversation_members m JOIN target t ON t.conversation_id = m.conversation_id AND t.user_id = m.user_id
           WHERE m.last_read_seq < t.read_to OR m.last_delivered_seq < t.delivered_to
           ORDER BY m.conversation_id, m.user_id
           FOR UPDATE OF m
         ), moved AS (
           UPDATE conversation_members m
           SET last_read_seq = GREATEST(m.last_read_seq, o.read_to),
             last_delivered_seq = GREATEST(m.last_delivered_seq, o.delivered_to)
           FROM old o WHERE m.conversation_id = o.conversation_id AND m.user_id = o.user_id
           RETURNING m.conversation_id, m.user_id, o.last_read_seq AS read_from, m.last_read_seq AS read_to,
             o.last_delivered_seq AS delivered_from, m.last_delivered_seq AS delivered_to
         )
         SELECT t.conversation_id AS "conversationId", t.user_id AS "userId", v.user_id IS NOT NULL AS moved,
           v.read_from AS "readFrom", v.read_to AS "readTo",
           v.delivered_from AS "deliveredFrom", v.delivered_to AS "deliveredTo",
           ARRAY(SELECT DISTINCT x.sender_id FROM messages x WHERE x.conversation_id = v.conversation_id
             AND x.seq > v.read_from AND x.seq <= v.read_to AND x.sender_id <> v.user_id AND x.kind <> 'system'
             AND x.sender_id IN (SELECT cm.user_id FROM conversation_members cm WHERE cm.conversation_id = v.conversation_id)) AS "readSenders",
           ARRAY(SELECT DISTINCT x.sender_id FROM messages x WHERE x.conversation_id = v.conversation_id
             AND x.seq > v.delivered_from AND x.seq <= v.delivered_to AND x.sender_id <> v.user_id AND x.kind <> 'system'
             AND x.sender_id IN (SELECT cm.user_id FROM conversation_members cm WHERE cm.conversation_id = v.conversation_id)) AS "deliveredSenders"
         FROM target t LEFT JOIN moved v ON v.conversation_id = t.conversation_id AND v.user_id = t.user_id`,
        values: [
          targets.map((t) => t.conversationId),
          targets.map((t) => t.userId),
          targets.map((t) => t.readSeq),
          targets.map((t) => t.deliveredSeq),
        ],
      });
      return r.rows.map(({ conversationId, userId, moved, ...position }) => ({
        conversationId,
        userId,
        moved: moved ? position : null,
      }));
    },
  };
}
export type ConversationStore = ReturnType<typeof createConversationStore>;
