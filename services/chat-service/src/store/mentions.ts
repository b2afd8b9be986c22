import type { Queryable } from "@messenger/common";
import { COLS, type MessageRow } from "./messages.js";

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
    /** For each (conversation, user, seq): how many mentions of the user lie after seq (keys "cid:uid"). */
    async countsAfter(
      probes: readonly { conversationId: string; userId: string; seq: number }[],
      q: Queryable = db,
    ): Promise<Map<string, number>> {
      const out = new Map<string, number>();
      if (probes.length === 0) return out;
      const r = await q.query<{ cid: string; uid: string; n: number }>(
        `SELECT t.cid, t.uid, (SELECT count(*) FROM message_mentions mm
           WHERE mm.conversation_id = t.cid AND mm.user_id = t.uid AND mm.seq > t.seq)::int AS n
         FROM unnest($1::uuid[], $2::uuid[], $3::bigint[]) AS t(cid, uid, seq)`,
        [probes.map((p) => p.conversationId), probes.map((p) => p.userId), probes.map((p) => p.seq)],
      );
      for (const row of r.rows) out.set(`${row.cid}:${row.uid}`, row.n);
      return out;
    },
    /** My mentions in conversations I am still in, newest first, before mention id `before`. */
    async listFor(
      userId: string,
      before: number | null,
      limit: number,
      q: Queryable = db,
    ): Promise<(MessageRow & { mention_id: number })[]> {
      const r = await q.query<MessageRow & { mention_id: number }>(
        `SELECT mm.id AS mention_id, ${COLS} FROM message_mentions mm
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
