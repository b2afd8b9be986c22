// Threads: a root's replies, who follows it and how far they read (migration 008). The replies and
// the roots' summaries are written by messages.insertBatch (threads-sql.ts).
import type { Queryable } from "@messenger/common";
import { COLS, type MessageRow } from "./messages.js";

export interface FollowedRow extends MessageRow {
  last_read_count: number;
}

export function createThreadStore(db: Queryable) {
  return {
    /** Whether `rootId` is a top-level message of the conversation (messages never move, so this stays true). */
    async isRootOf(rootId: string, conversationId: string, q: Queryable = db): Promise<boolean> {
      const r = await q.query(
        "SELECT 1 FROM messages WHERE id = $1 AND conversation_id = $2 AND thread_root_id IS NULL AND kind = 'text'",
        [rootId, conversationId],
      );
      return (r.rowCount ?? 0) > 0;
    },
    /** A page of replies ascending by seq; `hasMore` looks one row further in the paging direction. */
    async replies(
      rootId: string,
      opts: { before?: number; after?: number; limit: number },
      q: Queryable = db,
    ): Promise<{ rows: MessageRow[]; hasMore: boolean }> {
      const newer = opts.after !== undefined;
      const r = await q.query<MessageRow>(
        newer
          ? `SELECT ${COLS} FROM messages m WHERE m.thread_root_id = $1 AND m.seq > $2 ORDER BY m.seq ASC LIMIT $3`
          : `SELECT ${COLS} FROM messages m WHERE m.thread_root_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3`,
        [rootId, newer ? opts.after : (opts.before ?? Number.MAX_SAFE_INTEGER), opts.limit + 1],
      );
      const rows = r.rows.slice(0, opts.limit);
      return { rows: newer ? rows : rows.reverse(), hasMore: r.rows.length > opts.limit };
    },
    /** The threads a user follows in conversations they are still in, latest reply first. */
    async followed(userId: string, limit: number, q: Queryable = db): Promise<FollowedRow[]> {
      const r = await q.query<FollowedRow>(
        `SELECT ${COLS}, tf.last_read_count FROM thread_follows tf
         JOIN messages m ON m.id = tf.root_id
         JOIN conversation_members cm ON cm.conversation_id = m.conversation_id AND cm.user_id = tf.user_id
         WHERE tf.user_id = $1
         ORDER BY m.thread_last_reply_at DESC NULLS LAST, m.id LIMIT $2`,
        [userId, limit],
      );
      return r.rows;
    },
    async follow(rootId: string, userId: string, q: Queryable = db): Promise<void> {
      // Following from now: replies already there count as read.
      await q.query(
        `INSERT INTO thread_follows (root_id, user_id, last_read_count)
         SELECT id, $2, thread_reply_count FROM messages WHERE id = $1 ON CONFLICT DO NOTHING`,
        [rootId, userId],
      );
    },
    async unfollow(rootId: string, userId: string, q: Queryable = db): Promise<void> {
      await q.query("DELETE FROM thread_follows WHERE root_id = $1 AND user_id = $2", [rootId, userId]);
    },
    /** Every reply so far is read; null when the user does not follow the thread. */
    async markRead(rootId: string, userId: string, q: Queryable = db): Promise<FollowedRow | null> {
      const r = await q.query<FollowedRow>(
        `WITH root AS (SELECT * FROM messages WHERE id = $1), moved AS (
           UPDATE thread_follows tf SET last_read_count = GREATEST(tf.last_read_count, root.thread_reply_count)
           FROM root WHERE tf.root_id = root.id AND tf.user_id = $2 RETURNING tf.last_read_count)
         SELECT ${COLS}, moved.last_read_count FROM root m, moved`,
        [rootId, userId],
      );
      return r.rows[0] ?? null;
    },
  };
}
export type ThreadStore = ReturnType<typeof createThreadStore>;
