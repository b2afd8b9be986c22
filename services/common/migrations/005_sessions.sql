-- A session is one sign-in on one device: the family of its rotating refresh tokens. Access tokens
-- carry its id (`sid`), so logging out or a detected token theft ends them (and their sockets) at once.
CREATE TABLE sessions (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  user_agent   text,
  ip           text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id);

-- The families that exist become sessions (ended when none of their tokens can still be used).
INSERT INTO sessions (id, user_id, created_at, revoked_at)
SELECT family_id, min(user_id::text)::uuid, min(created_at),
       CASE WHEN bool_or(revoked_at IS NULL AND expires_at > now()) THEN NULL ELSE now() END
FROM refresh_tokens GROUP BY family_id;
ALTER TABLE refresh_tokens
  ADD CONSTRAINT refresh_tokens_session FOREIGN KEY (family_id) REFERENCES sessions (id) ON DELETE CASCADE;

-- A deactivated account keeps its messages but can no longer sign in or use a token it holds.
ALTER TABLE users ADD COLUMN deactivated_at timestamptz;
