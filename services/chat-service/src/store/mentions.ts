import type { Queryable } from "@messenger/common";
import { MESSAGE_COLUMNS, type MessageRow } from "./messages.js";

export function createMentionStore(db: Queryable) {
  return {
    /** Of these usernames, the ids of those who are members of the conversation. */
    async membersNamed(conversationId: string, usernames: readonly string[], q: Queryable = db): Promise<string[]> {
      if (usernames.length === 0) return [];
      const r = await q.query<{ id: string }>(
        `SELECT u.id FROM users u JOIN conversation_members cm ON cm.user_id = u.id AND cm.conversation_id = $1
         WHERE u.username = ANY($2::text[])`,
        [conversationId, usernames],
      );
      return r.rows.map((x) => x.id);
    },
    async conversationSummaries(
      ids: readonly string[],
      q: Queryable = db,
    ): Promise<{ id: string; kind: "direct" | "group"; title: string | null }[]> {
      if (ids.length === 0) return [];
      const r = await q.query<{ id: string; kind: "direct" | "group"; title: string | null }>(
        "SELECT id, kind, title FROM conversations WHERE id = ANY($1::uuid[])",
        [ids],
      );
      return r.rows;
    },
    /** My mentions in conversations I am still in, newest first, before mention id `before`. */
    async listFor(
      userId: string,
      before: number | null,
      limit: number,
      q: Queryable = db,
    ): Promise<(MessageRow & { mention_id: number })[]> {
      const r = await q.query<MessageRow & { mention_id: number }>(
        `SELECT mm.id AS mention_id, ${MESSAGE_COLUMNS} FROM message_mentions mm
         JOIN messages m ON m.id = mm.message_id
         JOIN conversation_members cm ON cm.conversation_id = mm.conversation_id AND cm.user_id = mm.user_id
         WHERE mm.user_id = $1 AND ($2::bigint IS NULL OR mm.id < $2) AND m.deleted_at IS NULL
         ORDER BY mm.id DESC LIMIT $3`,
        [userId, before, limit],
      );
      return r.rows;
    },
  };
}
export type MentionStore = ReturnType<typeof createMentionStore>;
