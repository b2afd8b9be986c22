import type { AttachmentRow, Db, Queryable } from "@messenger/common";
import type { AttachmentKind } from "@messenger/protocol";

export interface NewAttachment {
  id: string;
  conversationId: string;
  uploaderId: string;
  kind: AttachmentKind;
  name: string;
  mime: string;
  size: number;
  width?: number;
  height?: number;
  durationMs?: number;
  status: "ready" | "processing";
  objectKey: string | null;
  thumbnailKey: string | null;
  originalKey?: string | null;
}

export interface FinishedVideo {
  name: string;
  mime: string;
  size: number;
  width: number;
  height: number;
  durationMs: number;
  objectKey: string;
  thumbnailKey: string;
}

const COLUMNS =
  "id, conversation_id, uploader_id, message_id, kind, name, mime, size, width, height, duration_ms, status, object_key, thumbnail_key, original_key";

export function createAttachmentStore(db: Db) {
  return {
    async insert(a: NewAttachment, tx: Queryable = db): Promise<AttachmentRow> {
      const { rows } = await tx.query<AttachmentRow>(
        `INSERT INTO attachments (id, conversation_id, uploader_id, kind, name, mime, size, width, height, duration_ms,
                                  status, object_key, thumbnail_key, original_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         RETURNING ${COLUMNS}`,
        [
          a.id,
          a.conversationId,
          a.uploaderId,
          a.kind,
          a.name,
          a.mime,
          a.size,
          a.width ?? null,
          a.height ?? null,
          a.durationMs ?? null,
          a.status,
          a.objectKey,
          a.thumbnailKey,
          a.originalKey ?? null,
        ],
      );
      return rows[0]!;
    },

    /** The attachment if `userId` is a member of its conversation; null otherwise, whether or not it exists. */
    async findForMember(id: string, userId: string, tx: Queryable = db): Promise<AttachmentRow | null> {
      const { rows } = await tx.query<AttachmentRow>(
        `SELECT ${COLUMNS.split(", ")
          .map((c) => `a.${c}`)
          .join(", ")}
           FROM attachments a
           JOIN conversation_members m ON m.conversation_id = a.conversation_id AND m.user_id = $2
           LEFT JOIN messages msg ON msg.id = a.message_id
          WHERE a.id = $1 AND msg.deleted_at IS NULL`,
        [id, userId],
      );
      return rows[0] ?? null;
    },

    async get(id: string, tx: Queryable = db): Promise<AttachmentRow | null> {
      const { rows } = await tx.query<AttachmentRow>(`SELECT ${COLUMNS} FROM attachments WHERE id = $1`, [id]);
      return rows[0] ?? null;
    },

    /** Locks the row for the rest of the transaction (a re-delivered job must not finish a video twice). */
    async getForUpdate(id: string, tx: Queryable): Promise<AttachmentRow | null> {
      const { rows } = await tx.query<AttachmentRow>(`SELECT ${COLUMNS} FROM attachments WHERE id = $1 FOR UPDATE`, [
        id,
      ]);
      return rows[0] ?? null;
    },

    async markVideoReady(id: string, v: FinishedVideo, tx: Queryable): Promise<void> {
      await tx.query(
        `UPDATE attachments
            SET status = 'ready', name = $2, mime = $3, size = $4, width = $5, height = $6, duration_ms = $7,
                object_key = $8, thumbnail_key = $9, updated_at = now()
          WHERE id = $1`,
        [id, v.name, v.mime, v.size, v.width, v.height, v.durationMs, v.objectKey, v.thumbnailKey],
      );
    },

    /** Uploads never sent after `unsentHours`, and those of deleted messages: what the sweep removes. */
    async findSweepable(unsentHours: number, limit: number): Promise<AttachmentRow[]> {
      const { rows } = await db.query<AttachmentRow>(
        `SELECT ${COLUMNS} FROM attachments
          WHERE message_id IS NULL AND created_at < now() - make_interval(hours => $1)
         UNION ALL
         SELECT ${COLUMNS.split(", ")
           .map((c) => `a.${c}`)
           .join(", ")}
           FROM messages m JOIN attachments a ON a.message_id = m.id
          WHERE m.deleted_at IS NOT NULL
         LIMIT $2`,
        [unsentHours, limit],
      );
      return rows;
    },

    async delete(id: string): Promise<void> {
      await db.query("DELETE FROM attachments WHERE id = $1", [id]);
    },

    async markFailed(id: string, tx: Queryable): Promise<void> {
      await tx.query("UPDATE attachments SET status = 'failed', updated_at = now() WHERE id = $1", [id]);
    },
  };
}

export type AttachmentStore = ReturnType<typeof createAttachmentStore>;

export function createMembershipStore(db: Db) {
  return {
    async isMember(conversationId: string, userId: string): Promise<boolean> {
      const { rowCount } = await db.query(
        "SELECT 1 FROM conversation_members WHERE conversation_id = $1 AND user_id = $2",
        [conversationId, userId],
      );
      return (rowCount ?? 0) > 0;
    },
  };
}
