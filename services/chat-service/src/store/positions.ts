import type { Queryable } from "@messenger/common";
import type { PositionResult } from "./conversations.js";

/** A member's read and delivered positions. */
export interface Position {
  read: number;
  delivered: number;
}

/** Where one member of a big conversation should move to (0: no move of that kind). */
export interface BigPositionTarget {
  userId: string;
  readSeq: number;
  deliveredSeq: number;
}

/** One member who has received (or read) a message, in join order, for a page of receipts. */
export interface ReceiptRow {
  user_id: string;
  joined_at_text: string;
}

// The members' positions kept in a big conversation's one `conversation_positions` row, as rows.
// Expanded once per statement (jsonb_each), never looked up member by member: each `->` on a
// TOASTed value would decompress it again.
const EXPANDED = `SELECT e.key::uuid AS user_id, (e.value->>0)::bigint AS read_seq, (e.value->>1)::bigint AS delivered_seq
  FROM conversation_positions cp, jsonb_each(cp.positions) e WHERE cp.conversation_id = $1`;

// Every member's position: the greater of the member row's and the big conversation's (see 006).
const MERGED = `SELECT cm.user_id, cm.joined_at, GREATEST(cm.last_read_seq, COALESCE(p.read_seq, 0)) AS read_seq,
    GREATEST(cm.last_delivered_seq, COALESCE(p.delivered_seq, 0)) AS delivered_seq
  FROM conversation_members cm LEFT JOIN (${EXPANDED}) p ON p.user_id = cm.user_id
  WHERE cm.conversation_id = $1`;

/**
 * Positions of the members of big conversations: one row per conversation, rewritten once per
 * receipt window (domain/receipt-windows.ts) however many members moved in it.
 */
export function createPositionStore(db: Queryable) {
  return {
    async memberCounts(conversationIds: readonly string[], q: Queryable = db): Promise<Map<string, number>> {
      const r = await q.query<{ id: string; member_count: number }>(
        "SELECT id, member_count FROM conversations WHERE id = ANY($1::uuid[])",
        [conversationIds],
      );
      return new Map(r.rows.map((x) => [x.id, x.member_count]));
    },

    /** Serialises the window writes of one conversation across instances (held to the end of `tx`). */
    async lock(conversationId: string, tx: Queryable): Promise<void> {
      await tx.query("SELECT pg_advisory_xact_lock(6012, hashtext($1::text))", [conversationId]);
    },

    /**
     * Moves members' positions forward (never backwards, never past the last message, reading
     * implies delivery) in one statement that rewrites the conversation's one positions row. Call
     * under `lock`. Returns a row per target who is a member, with where the position moved from
     * and to and the other senders (still members) of the messages the read crossed.
     */
    async advance(
      conversationId: string,
      targets: readonly BigPositionTarget[],
      tx: Queryable,
    ): Promise<PositionResult[]> {
      if (targets.length === 0) return [];
      const r = await tx.query<{
        userId: string;
        moved: boolean;
        readFrom: number;
        readTo: number;
        deliveredFrom: number;
        deliveredTo: number;
        readSenders: string[];
      }>({
        name: "positions.advance",
        text: `WITH c AS (SELECT last_seq FROM conversations WHERE id = $1),
         t AS (SELECT * FROM unnest($2::uuid[], $3::bigint[], $4::bigint[]) AS t(user_id, read_seq, delivered_seq)),
         cur AS (
           SELECT t.user_id, m.read_seq AS read_from, m.delivered_seq AS delivered_from,
             LEAST(t.read_seq, c.last_seq) AS read_want, LEAST(GREATEST(t.delivered_seq, t.read_seq), c.last_seq) AS delivered_want
           FROM t CROSS JOIN c JOIN (${MERGED}) m ON m.user_id = t.user_id
         ), next AS (
           SELECT user_id, read_from, GREATEST(read_from, read_want) AS read_to,
             delivered_from, GREATEST(delivered_from, delivered_want, read_want) AS delivered_to
           FROM cur
         ), moved AS (
           SELECT * FROM next WHERE read_to > read_from OR delivered_to > delivered_from
         ), saved AS (
           INSERT INTO conversation_positions AS cp (conversation_id, positions)
           SELECT $1, jsonb_object_agg(user_id, jsonb_build_array(read_to, delivered_to)) FROM moved HAVING count(*) > 0
           ON CONFLICT (conversation_id) DO UPDATE SET positions = cp.positions || EXCLUDED.positions
         )
         SELECT n.user_id AS "userId", (n.read_to > n.read_from OR n.delivered_to > n.delivered_from) AS moved,
           n.read_from AS "readFrom", n.read_to AS "readTo", n.delivered_from AS "deliveredFrom", n.delivered_to AS "deliveredTo",
           CASE WHEN n.read_to > n.read_from THEN ARRAY(
             SELECT DISTINCT x.sender_id FROM messages x WHERE x.conversation_id = $1
               AND x.seq > n.read_from AND x.seq <= n.read_to AND x.sender_id <> n.user_id AND x.kind <> 'system'
               AND EXISTS (SELECT 1 FROM conversation_members s WHERE s.conversation_id = $1 AND s.user_id = x.sender_id))
           ELSE '{}'::uuid[] END AS "readSenders"
         FROM next n`,
        values: [
          conversationId,
          targets.map((t) => t.userId),
          targets.map((t) => t.readSeq),
          targets.map((t) => t.deliveredSeq),
        ],
      });
      return r.rows.map(({ userId, moved, readSenders, ...p }) => ({
        conversationId,
        userId,
        // A big conversation's senders see "seen by N", not per-person delivery ticks.
        moved: moved ? { ...p, readSenders, deliveredSenders: [] } : null,
      }));
    },

    /** The big-conversation positions of these members (or all of them); members without one are left out. */
    async ofMembers(conversationId: string, userIds: readonly string[] | null, q: Queryable = db) {
      const r = await q.query<{ user_id: string; read_seq: number; delivered_seq: number }>(
        `SELECT * FROM (${EXPANDED}) p WHERE $2::uuid[] IS NULL OR p.user_id = ANY($2::uuid[])`,
        [conversationId, userIds],
      );
      return new Map<string, Position>(
        r.rows.map((x) => [x.user_id, { read: x.read_seq, delivered: x.delivered_seq }]),
      );
    },

    /** One member's big-conversation positions in these conversations (one lookup per conversation row). */
    async ofUser(conversationIds: readonly string[], userId: string, q: Queryable = db) {
      if (conversationIds.length === 0) return new Map<string, Position>();
      const r = await q.query<{ conversation_id: string; read_seq: number; delivered_seq: number }>(
        `SELECT conversation_id, (p->>0)::bigint AS read_seq, (p->>1)::bigint AS delivered_seq
         FROM (SELECT conversation_id, positions->$2::text AS p FROM conversation_positions
               WHERE conversation_id = ANY($1::uuid[])) x WHERE p IS NOT NULL`,
        [conversationIds, userId],
      );
      return new Map<string, Position>(
        r.rows.map((x) => [x.conversation_id, { read: x.read_seq, delivered: x.delivered_seq }]),
      );
    },

    /**
     * Who, other than the sender, has read (or received) up to `seq`: how many of each, and a page
     * of those of `status` in join order after the cursor.
     */
    async receipts(
      conversationId: string,
      m: { seq: number; senderId: string },
      status: "read" | "delivered",
      after: { joinedAt: string; userId: string } | null,
      limit: number,
      q: Queryable = db,
    ): Promise<{ readCount: number; deliveredCount: number; page: ReceiptRow[] }> {
      const r = await q.query<{ read_count: number; delivered_count: number; page: ReceiptRow[] }>(
        `WITH m AS (${MERGED} AND cm.user_id <> $2)
         SELECT (SELECT count(*) FROM m WHERE read_seq >= $3)::int AS read_count,
           (SELECT count(*) FROM m WHERE delivered_seq >= $3)::int AS delivered_count,
           COALESCE((SELECT json_agg(x ORDER BY x.joined_at, x.user_id) FROM (
             SELECT user_id, joined_at, joined_at::text AS joined_at_text FROM m
             WHERE (CASE WHEN $4 = 'read' THEN read_seq ELSE delivered_seq END) >= $3
               AND ($5::timestamptz IS NULL OR (joined_at, user_id) > ($5::timestamptz, $6::uuid))
             ORDER BY joined_at, user_id LIMIT $7) x), '[]') AS page`,
        [conversationId, m.senderId, m.seq, status, after?.joinedAt ?? null, after?.userId ?? null, limit],
      );
      const row = r.rows[0]!;
      return { readCount: row.read_count, deliveredCount: row.delivered_count, page: row.page };
    },
  };
}
export type PositionStore = ReturnType<typeof createPositionStore>;
