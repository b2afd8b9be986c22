-- media-service: the sweep that removes uploads nobody sent finds them by age without scanning every attachment.
CREATE INDEX attachments_unsent ON attachments (created_at) WHERE message_id IS NULL;
-- ... and the attachments of deleted messages (soft-deleted by chat-service), driven from the few deleted messages.
CREATE INDEX messages_deleted ON messages (id) WHERE deleted_at IS NOT NULL;
