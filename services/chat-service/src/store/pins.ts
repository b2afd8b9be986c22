// Pinned messages (shared by the conversation) and saved messages (private to one user), migration 008.
import type { Queryable } from "@messenger/common";
import { COLS, type MessageRow } from "./messages.js";

export interface SavedRow extends MessageRow {
  saved_at: Date;
}

export function createPinStore(db: Queryable) {
  return {
    /** Pins (or unpins) a live message; null when nothing changed (already so, or deleted). */
    async setPinned(
      messageId: string,
      userId: string | null,
      on: boolean,
      q: Queryable = db,
    ): Promise<MessageRow | null> {
      const r = on
        ? await q.query<MessageRow>(
            `UPDATE messages m SET pinned_at = now(), pinned_by = $2
             WHERE m.id = $1 AND m.pinned_at IS NULL AND m.deleted_at IS NULL RETURNING ${COLS}`,
            [messageId, userId],
          )
        : await q.query<MessageRow>(
            `UPDATE messages m SET pinned_at = NULL, pinned_by = NULL
             WHERE m.id = $1 AND m.pinned_at IS NOT NULL RETURNING ${COLS}`,
            [messageId],
          );
      return r.rows[0] ?? null;
    },
    /** A conversation's pinned live messages, latest pin first. */
    async pinned(conversationId: string, limit: number, q: Queryable = db): Promise<MessageRow[]> {
      const r = await q.query<MessageRow>(
        `SELECT ${COLS} FROM messages m WHERE m.conversation_id = $1 AND m.pinned_at IS NOT NULL AND m.deleted_at IS NULL
         ORDER BY m.pinned_at DESC LIMIT $2`,
        [conversationId, limit],
      );
      return r.rows;
    },
    async setSaved(messageId: string, userId: string, on: boolean, q: Queryable = db): Promise<void> {
      await q.query(
        on
          ? "INSERT INTO saved_messages (user_id, message_id) VALUES ($2, $1) ON CONFLICT DO NOTHING"
          : "DELETE FROM saved_messages WHERE message_id = $1 AND user_id = $2",
        [messageId, userId],
      );
    },
    /** My saved messages in conversations I am still in, latest saved first. */
    async saved(userId: string, limit: number, q: Queryable = db): Promise<SavedRow[]> {
      const r = await q.query<SavedRow>(
        `SELECT ${COLS}, s.saved_at FROM saved_messages s
         JOIN messages m ON m.id = s.message_id
         JOIN conversation_members cm ON cm.conversation_id = m.conversation_id AND cm.user_id = s.user_id
         WHERE s.user_id = $1 ORDER BY s.saved_at DESC LIMIT $2`,
        [userId, limit],
      );
      return r.rows;
    },
  };
}
export type PinStore = ReturnType<typeof createPinStore>;
