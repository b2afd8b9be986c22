-- 1:1 calls and group meetings (chat-service). Call state lives here rather than in
-- one process's memory, so any instance can answer for a call and a restart does
-- not leave users "busy" in a call only a dead process knew about.

CREATE TABLE calls (
  -- Chosen by the caller's client (so it can match events before the ack arrives).
  id              uuid PRIMARY KEY,
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  caller_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  callee_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  video           boolean NOT NULL,
  state           text NOT NULL CHECK (state IN ('ringing', 'active', 'ended')),
  -- Signalling goes to exactly these sockets: the inviting one and the accepting one.
  caller_socket   text NOT NULL,
  callee_socket   text,
  end_reason      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  answered_at     timestamptz,
  ended_at        timestamptz
);
-- Disconnect handling looks calls up by socket; only live calls matter.
CREATE INDEX calls_live_caller_socket ON calls (caller_socket) WHERE state <> 'ended';
CREATE INDEX calls_live_callee_socket ON calls (callee_socket) WHERE state <> 'ended';
-- A device that connects while a call rings for its user is told about it.
CREATE INDEX calls_ringing_callee ON calls (callee_id) WHERE state = 'ringing';
CREATE INDEX calls_conversation ON calls (conversation_id, created_at DESC);

-- One row per user in a live (ringing or active) call: the primary key is what makes
-- "already in a call → busy" race-free across instances.
CREATE TABLE call_participants (
  user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE
);
CREATE INDEX call_participants_call ON call_participants (call_id);

-- Jitsi meetings started from group conversations. The room name is the secret
-- part of the meeting URL; tokens are minted per user on demand.
CREATE TABLE meetings (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  room_name       text NOT NULL UNIQUE,
  started_by      uuid REFERENCES users (id) ON DELETE SET NULL,
  started_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL
);
CREATE INDEX meetings_conversation ON meetings (conversation_id, expires_at DESC);
