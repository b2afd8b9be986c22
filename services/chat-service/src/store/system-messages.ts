import type { Queryable } from "@messenger/common";
import type { SystemInfo } from "@messenger/protocol";
import { COLS, type MessageRow } from "./messages.js";

export function createSystemMessageStore(db: Queryable) {
  return {
    /**
     * Appends a system message: the next seq under the conversation's row lock (as every send takes
     * it) and the next system ordinal. It does not move the conversation up the list.
     */
    async insert(conversationId: string, system: SystemInfo, q: Queryable): Promise<MessageRow> {
      const r = await q.query<MessageRow>(
        `WITH bumped AS (
           UPDATE conversations SET last_seq = last_seq + 1, system_count = system_count + 1
           WHERE id = $1 RETURNING last_seq, system_count
         )
         INSERT INTO messages AS m (conversation_id, seq, sender_id, client_id, kind, body, system, system_index)
         SELECT $1, b.last_seq, $2, 'system:' || gen_random_uuid(), 'system', '', $3::jsonb, b.system_count FROM bumped b
         RETURNING ${COLS}`,
        [conversationId, system.actorId, JSON.stringify(system)],
      );
      return r.rows[0]!;
    },
    /**
     * For each (conversation, seq): how many of its system messages have a seq up to that one
     * (one index probe each: the latest system message at or before it carries its ordinal).
     */
    async countsUpTo(
      positions: readonly { conversationId: string; seq: number }[],
      q: Queryable = db,
    ): Promise<Map<string, number>> {
      const out = new Map<string, number>();
      if (positions.length === 0) return out;
      const r = await q.query<{ cid: string; seq: string; n: string | null }>(
        `SELECT t.cid, t.seq, (SELECT m.system_index FROM messages m
           WHERE m.conversation_id = t.cid AND m.kind = 'system' AND m.seq <= t.seq ORDER BY m.seq DESC LIMIT 1) AS n
         FROM unnest($1::uuid[], $2::bigint[]) AS t(cid, seq)`,
        [positions.map((p) => p.conversationId), positions.map((p) => p.seq)],
      );
      for (const row of r.rows) out.set(`${row.cid}:${row.seq}`, Number(row.n ?? 0));
      return out;
    },
  };
}
export type SystemMessageStore = ReturnType<typeof createSystemMessageStore>;
