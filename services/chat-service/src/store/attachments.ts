import type { AttachmentRow, Queryable } from "@messenger/common";

export function createAttachmentStore(db: Queryable) {
  return {
    /**
     * Claims uploads for new messages: only the uploader's own, uploaded to that
     * conversation, not failed and not already on a message. Returns what was claimed;
     * the caller compares it with what each message asked for. Each keeps its `position` in the
     * message; the rows come back in that order.
     */
    async attachToMessages(
      claims: readonly {
        messageId: string;
        conversationId: string;
        uploaderId: string;
        attachmentId: string;
        position: number;
      }[],
      q: Queryable,
    ): Promise<AttachmentRow[]> {
      if (claims.length === 0) return [];
      const r = await q.query<AttachmentRow>(
        `WITH claimed AS (
           UPDATE attachments a SET message_id = c.message_id, position = c.position, updated_at = now()
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::smallint[])
             AS c(attachment_id, message_id, conversation_id, uploader_id, position)
           WHERE a.id = c.attachment_id AND a.conversation_id = c.conversation_id AND a.uploader_id = c.uploader_id
             AND a.status <> 'failed' AND a.message_id IS NULL
           RETURNING a.*
         )
         SELECT * FROM claimed ORDER BY message_id, position`,
        [
          claims.map((c) => c.attachmentId),
          claims.map((c) => c.messageId),
          claims.map((c) => c.conversationId),
          claims.map((c) => c.uploaderId),
          claims.map((c) => c.position),
        ],
      );
      return r.rows;
    },
    async findById(id: string, q: Queryable = db): Promise<AttachmentRow | null> {
      const r = await q.query<AttachmentRow>("SELECT * FROM attachments WHERE id = $1", [id]);
      return r.rows[0] ?? null;
    },
  };
}
export type AttachmentStore = ReturnType<typeof createAttachmentStore>;
