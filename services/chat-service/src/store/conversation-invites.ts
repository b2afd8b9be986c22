import type { Queryable } from "@messenger/common";

export interface ConversationInviteRow {
  code: string;
  conversation_id: string;
  expires_at: Date;
  max_uses: number | null;
  uses: number;
}

const COLS = "code, conversation_id, expires_at, max_uses, uses";
/** Not expired, revoked or used up. */
const LIVE = "revoked_at IS NULL AND expires_at > now() AND (max_uses IS NULL OR uses < max_uses)";

export function createConversationInviteStore(db: Queryable) {
  return {
    async insert(
      i: { code: string; conversationId: string; createdBy: string; expiresAt: Date; maxUses: number | null },
      q: Queryable = db,
    ): Promise<ConversationInviteRow> {
      const r = await q.query<ConversationInviteRow>(
        `INSERT INTO conversation_invites (code, conversation_id, created_by, expires_at, max_uses)
         VALUES ($1, $2, $3, $4, $5) RETURNING ${COLS}`,
        [i.code, i.conversationId, i.createdBy, i.expiresAt, i.maxUses],
      );
      return r.rows[0]!;
    },
    async listLive(conversationId: string, q: Queryable = db): Promise<ConversationInviteRow[]> {
      const r = await q.query<ConversationInviteRow>(
        `SELECT ${COLS} FROM conversation_invites WHERE conversation_id = $1 AND ${LIVE} ORDER BY created_at DESC LIMIT 100`,
        [conversationId],
      );
      return r.rows;
    },
    /** A live invite; `lock`: held until the transaction ends, so two accepts cannot both take its last use. */
    async findLive(code: string, q: Queryable = db, lock = false): Promise<ConversationInviteRow | null> {
      const r = await q.query<ConversationInviteRow>(
        `SELECT ${COLS} FROM conversation_invites WHERE code = $1 AND ${LIVE}${lock ? " FOR UPDATE" : ""}`,
        [code],
      );
      return r.rows[0] ?? null;
    },
    async use(code: string, q: Queryable): Promise<void> {
      await q.query("UPDATE conversation_invites SET uses = uses + 1 WHERE code = $1", [code]);
    },
    async revoke(conversationId: string, code: string, q: Queryable = db): Promise<boolean> {
      const r = await q.query(
        `UPDATE conversation_invites SET revoked_at = now() WHERE code = $1 AND conversation_id = $2 AND ${LIVE}`,
        [code, conversationId],
      );
      return (r.rowCount ?? 0) > 0;
    },
  };
}
export type ConversationInviteStore = ReturnType<typeof createConversationInviteStore>;
