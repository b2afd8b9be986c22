-- People and administration: workspace roles, profiles (status, do-not-disturb, time zone, avatar),
-- the sign-up policy and invites, company sign-in identities, and the audit log.

ALTER TABLE users
  ADD COLUMN role              text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member', 'guest')),
  ADD COLUMN email             text,
  ADD COLUMN status_emoji      text,
  ADD COLUMN status_text       text,
  ADD COLUMN status_expires_at timestamptz,
  ADD COLUMN dnd_until         timestamptz,
  ADD COLUMN time_zone         text,
  -- The S3 key of the re-encoded square avatar (media-service); null = initials.
  ADD COLUMN avatar_key        text,
  -- Company sign-in: the provider's issuer and the account's `sub` there (matched on every login).
  ADD COLUMN oidc_issuer       text,
  ADD COLUMN oidc_subject      text;
-- Exactly one owner: the first account (a race of two first registrations cannot make two).
CREATE UNIQUE INDEX users_one_owner ON users ((true)) WHERE role = 'owner';
CREATE UNIQUE INDEX users_email ON users (lower(email)) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX users_oidc_identity ON users (oidc_issuer, oidc_subject) WHERE oidc_subject IS NOT NULL;
-- An existing workspace's oldest account becomes its owner.
UPDATE users SET role = 'owner' WHERE id = (SELECT id FROM users ORDER BY created_at, id LIMIT 1);

-- The workspace's settings: one row. `registration` null = the REGISTRATION environment setting
-- decides; once an admin sets it, the stored value wins.
CREATE TABLE workspace_settings (
  id                    boolean PRIMARY KEY DEFAULT true CHECK (id),
  registration          text CHECK (registration IN ('open', 'invite', 'closed')),
  allowed_email_domains text[] NOT NULL DEFAULT '{}',
  password_login        boolean NOT NULL DEFAULT true,
  updated_by            uuid REFERENCES users (id) ON DELETE SET NULL,
  updated_at            timestamptz NOT NULL DEFAULT now()
);
INSERT INTO workspace_settings DEFAULT VALUES;

-- Single-use invite links: only a SHA-256 of the code is stored.
CREATE TABLE invites (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code_hash  text NOT NULL UNIQUE,
  email      text,
  role       text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member', 'guest')),
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  used_by    uuid REFERENCES users (id) ON DELETE SET NULL,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invites_created ON invites (created_at DESC);

-- Admin and security events, newest first by id.
CREATE TABLE audit_log (
  id             bigserial PRIMARY KEY,
  at             timestamptz NOT NULL DEFAULT now(),
  actor_id       uuid REFERENCES users (id) ON DELETE SET NULL,
  action         text NOT NULL,
  target_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  ip             text,
  details        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_target ON audit_log (target_user_id, id DESC);

-- A device list shows when each sign-in was last used (moved on at every token refresh).
ALTER TABLE sessions ADD COLUMN last_used_at timestamptz;
