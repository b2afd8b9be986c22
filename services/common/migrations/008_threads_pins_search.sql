-- Threads, pins, saved items and a search index that finds prefixes and stems (issue 14).

-- A thread reply names its root (a top-level message of the same conversation). It takes a seq like any
-- message, so catch-up is unchanged; the main timeline hides it unless it was also sent to the conversation.
ALTER TABLE messages
  ADD COLUMN thread_root_id uuid REFERENCES messages (id),
  ADD COLUMN also_to_conversation boolean NOT NULL DEFAULT false,
  -- The root's summary, kept by the statement that inserts the replies (never counted by a scan).
  ADD COLUMN thread_reply_count integer NOT NULL DEFAULT 0,
  ADD COLUMN thread_last_reply_at timestamptz,
  ADD COLUMN thread_participant_ids uuid[] NOT NULL DEFAULT '{}',
  ADD COLUMN pinned_at timestamptz,
  ADD COLUMN pinned_by uuid REFERENCES users (id) ON DELETE SET NULL;
-- A thread is paged by seq.
CREATE INDEX messages_thread ON messages (thread_root_id, seq) WHERE thread_root_id IS NOT NULL;
CREATE INDEX messages_pinned ON messages (conversation_id, pinned_at DESC) WHERE pinned_at IS NOT NULL;

-- Who follows a thread (its author and everyone who replied), and how far each has read it:
-- unread replies = the root's thread_reply_count − last_read_count, no scan.
CREATE TABLE thread_follows (
  root_id         uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  last_read_count integer NOT NULL DEFAULT 0,
  followed_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (root_id, user_id)
);
CREATE INDEX thread_follows_user ON thread_follows (user_id);

-- Saved items are private to the user who saved them.
CREATE TABLE saved_messages (
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  saved_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, message_id)
);
CREATE INDEX saved_messages_user ON saved_messages (user_id, saved_at DESC);

-- One index for three ways of matching: the words as written (weight A: prefixes and phrases match
-- only these, so a phrase never spans two of the parts) plus their English and Spanish stems.
ALTER TABLE messages DROP COLUMN search;
ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('simple', body), 'A') || to_tsvector('english', body) || to_tsvector('spanish', body)
) STORED;
CREATE INDEX messages_search ON messages USING gin (search);

-- File names are searched by their words ("quarterly-report.pdf" → quarterly, report, pdf).
ALTER TABLE attachments ADD COLUMN name_search tsvector GENERATED ALWAYS AS (
  to_tsvector('simple', regexp_replace(name, '[[:punct:]]', ' ', 'g'))
) STORED;
CREATE INDEX attachments_name_search ON attachments USING gin (name_search);
