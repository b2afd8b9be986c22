-- Group meetings on the built-in mesh call as well as Jitsi, with who is in them: the meeting
-- ends (and its call log is written) when the last participant leaves.

ALTER TABLE meetings
  ADD COLUMN provider text NOT NULL DEFAULT 'jitsi' CHECK (provider IN ('mesh', 'jitsi')),
  ADD COLUMN ended_at timestamptz;

-- The running meeting of a conversation is looked up on every join and every GET.
CREATE INDEX meetings_running ON meetings (conversation_id) WHERE ended_at IS NULL;

-- Everyone who took part (the call log names them); a live participant has left_at NULL. Mesh
-- signals go to `socket_id` only, and its disconnect ends the participation after a grace period.
CREATE TABLE meeting_participants (
  meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  socket_id  text,
  joined_at  timestamptz NOT NULL DEFAULT now(),
  left_at    timestamptz,
  PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX meeting_participants_live_socket ON meeting_participants (socket_id) WHERE left_at IS NULL;
