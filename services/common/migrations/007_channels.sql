-- Channels (public and private groups, topic, archive), system messages, @mentions, per-member
-- notification settings and invite links (issue 13).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE conversations
  ADD COLUMN visibility text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'public')),
  ADD COLUMN topic text,
  ADD COLUMN archived boolean NOT NULL DEFAULT false,
  -- How many system messages the conversation has: they take a seq but are never unread, so
  -- unread = last_seq - last_read_seq - (system_count - system messages up to last_read_seq).
  ADD COLUMN system_count bigint NOT NULL DEFAULT 0;

-- Browse: public, live groups in title order, and substring search of title and topic.
CREATE INDEX conversations_public_title ON conversations (lower(title), id)
  WHERE visibility = 'public' AND kind = 'group' AND NOT archived;
CREATE INDEX conversations_public_search ON conversations
  USING gin ((lower(coalesce(title, '') || ' ' || coalesce(topic, ''))) gin_trgm_ops)
  WHERE visibility = 'public' AND kind = 'group' AND NOT archived;

ALTER TABLE messages DROP CONSTRAINT messages_kind_check;
ALTER TABLE messages ADD CONSTRAINT messages_kind_check CHECK (kind IN ('text', 'call', 'system'));
ALTER TABLE messages
  -- {event, actorId, userIds, text?} of a system message.
  ADD COLUMN system jsonb,
  -- A system message's ordinal among its conversation's system messages (1, 2, …).
  ADD COLUMN system_index bigint,
  -- Members named by @username, and whether @channel/@here/@all was used (parsed on send).
  ADD COLUMN mention_user_ids uuid[] NOT NULL DEFAULT '{}',
  ADD COLUMN mentions_channel boolean NOT NULL DEFAULT false;
-- "How many system messages up to seq N": the latest system message at or before N.
CREATE INDEX messages_system ON messages (conversation_id, seq) INCLUDE (system_index) WHERE kind = 'system';

ALTER TABLE conversation_members
  -- Messages after last_read_seq that mention this member (by name or the channel).
  ADD COLUMN mention_count integer NOT NULL DEFAULT 0,
  -- NULL: the default for the conversation's size (all up to 10 members, mentions above).
  ADD COLUMN notify_level text CHECK (notify_level IN ('all', 'mentions', 'none')),
  ADD COLUMN muted boolean NOT NULL DEFAULT false;

-- One row per member a message mentions (for a channel mention, every member but its sender),
-- written with the message; the Mentions view pages it and the mention count is recounted from it.
CREATE TABLE message_mentions (
  id              bigserial PRIMARY KEY,
  user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  message_id      uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  seq             bigint NOT NULL,
  UNIQUE (conversation_id, user_id, seq)
);
CREATE INDEX message_mentions_user ON message_mentions (user_id, id DESC);

-- A message with mentions records them and counts them for the members who have not read that far,
-- in the statement that inserts it (so a mention is never lost between two writes). Member rows are
-- locked in key order, as receipts lock them, so the two do not deadlock.
CREATE FUNCTION messages_record_mentions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO message_mentions (user_id, conversation_id, message_id, seq)
  SELECT cm.user_id, NEW.conversation_id, NEW.id, NEW.seq FROM conversation_members cm
  WHERE cm.conversation_id = NEW.conversation_id AND cm.user_id <> NEW.sender_id
    AND (NEW.mentions_channel OR cm.user_id = ANY (NEW.mention_user_ids))
  ON CONFLICT DO NOTHING;
  UPDATE conversation_members m SET mention_count = m.mention_count + 1
  FROM (SELECT cm.user_id FROM conversation_members cm
        WHERE cm.conversation_id = NEW.conversation_id AND cm.user_id <> NEW.sender_id
          AND cm.last_read_seq < NEW.seq
          AND (NEW.mentions_channel OR cm.user_id = ANY (NEW.mention_user_ids))
        ORDER BY cm.user_id FOR UPDATE) t
  WHERE m.conversation_id = NEW.conversation_id AND m.user_id = t.user_id;
  RETURN NULL;
END $$;
CREATE TRIGGER messages_record_mentions AFTER INSERT ON messages
  FOR EACH ROW WHEN (NEW.mentions_channel OR cardinality(NEW.mention_user_ids) > 0)
  EXECUTE FUNCTION messages_record_mentions();

-- Reading moves last_read_seq: the count becomes the mentions still after it (most reads find
-- none to count: the trigger runs only while the count is above zero).
CREATE FUNCTION conversation_members_recount_mentions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.mention_count := (SELECT count(*) FROM message_mentions mm
    WHERE mm.conversation_id = NEW.conversation_id AND mm.user_id = NEW.user_id AND mm.seq > NEW.last_read_seq);
  RETURN NEW;
END $$;
CREATE TRIGGER conversation_members_recount_mentions BEFORE UPDATE OF last_read_seq ON conversation_members
  FOR EACH ROW WHEN (OLD.mention_count > 0 AND NEW.last_read_seq > OLD.last_read_seq)
  EXECUTE FUNCTION conversation_members_recount_mentions();

-- Invite links: a code (128 random bits) lets whoever holds it join, until it expires, is revoked
-- or is used up.
CREATE TABLE conversation_invites (
  code            text PRIMARY KEY,
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
  expires_at      timestamptz NOT NULL,
  max_uses        integer,
  uses            integer NOT NULL DEFAULT 0,
  revoked_at      timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversation_invites_conversation ON conversation_invites (conversation_id, created_at DESC);
