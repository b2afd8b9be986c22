import type { AttachmentRow, Queryable } from "@messenger/common";

export function createAttachmentStore(db: Queryable) {
  return {
    /**
     * Claims the sender's own uploads for a message, in the send transaction. Only
     * attachments uploaded by this sender to this conversation, not failed and not
     * yet on another message qualify; the caller compares counts.
     */
    async attachToMessage(
      messageId: string,
      conversationId: string,
      uploaderId: string,
      attachmentIds: readonly string[],
      q: Queryable,
    ): Promise<AttachmentRow[]> {
      if (attachmentIds.length === 0) return [];
      const r = await q.query<AttachmentRow>(
        `UPDATE attachments SET message_id = $1, updated_at = now()
         WHERE id = ANY($4::uuid[]) AND conversation_id = $2 AND uploader_id = $3
           AND status <> 'failed' AND message_id IS NULL
         RETURNING *`,
        [messageId, conversationId, uploaderId, attachmentIds],
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
