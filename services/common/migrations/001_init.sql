-- The one database schema shared by chat-service and media-service.

CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username      text NOT NULL UNIQUE,
  display_name  text NOT NULL,
  password_hash text NOT NULL,
  last_seen_at  timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now()
);
-- People search matches on a prefix of username or display name.
CREATE INDEX users_username_prefix ON users (username text_pattern_ops);
CREATE INDEX users_display_name_prefix ON users (lower(display_name) text_pattern_ops);

-- Rotating refresh tokens: only a SHA-256 of the token is stored. A token used
-- twice (stolen and replayed) revokes its whole family.
CREATE TABLE refresh_tokens (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id   uuid NOT NULL,
  token_hash  text NOT NULL UNIQUE,
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE conversations (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind            text NOT NULL CHECK (kind IN ('direct', 'group')),
  title           text,
  -- "<smaller user id>:<larger user id>" for direct conversations: get-or-create is one upsert.
  direct_key      text UNIQUE,
  created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
  -- Gap-free per-conversation sequence: incremented under the row lock in the
  -- same transaction that inserts the message.
  last_seq        bigint NOT NULL DEFAULT 0,
  last_activity_at timestamptz NOT NULL DEFAULT now(),
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE conversation_members (
  conversation_id    uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role               text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
  last_read_seq      bigint NOT NULL DEFAULT 0,
  last_delivered_seq bigint NOT NULL DEFAULT 0,
  joined_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX conversation_members_user ON conversation_members (user_id);

CREATE TABLE messages (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  seq             bigint NOT NULL,
  sender_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  client_id       text NOT NULL,
  kind            text NOT NULL DEFAULT 'text' CHECK (kind IN ('text', 'call')),
  body            text NOT NULL,
  reply_to_id     uuid REFERENCES messages (id) ON DELETE SET NULL,
  call            jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  edited_at       timestamptz,
  deleted_at      timestamptz,
  search          tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED,
  UNIQUE (conversation_id, seq),
  -- Idempotent send: the same clientId from the same sender is one message.
  UNIQUE (conversation_id, sender_id, client_id)
);
CREATE INDEX messages_search ON messages USING gin (search);

CREATE TABLE message_reactions (
  message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  emoji      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (message_id, emoji, user_id)
);

-- Uploads (written by media-service). An attachment belongs to the conversation
-- it was uploaded to and, once sent, to exactly one message.
CREATE TABLE attachments (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  uploader_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  message_id      uuid REFERENCES messages (id) ON DELETE SET NULL,
  kind            text NOT NULL CHECK (kind IN ('image', 'video', 'audio', 'file')),
  name            text NOT NULL,
  mime            text NOT NULL,
  size            bigint NOT NULL,
  width           integer,
  height          integer,
  duration_ms     integer,
  status          text NOT NULL CHECK (status IN ('processing', 'ready', 'failed')),
  object_key      text,
  thumbnail_key   text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_message ON attachments (message_id);
