-- Web Push (chat-service src/push/): the server's VAPID key pair, made on first start unless the
-- environment sets one, and one subscription per browser profile that turned push on.
CREATE TABLE push_vapid_keys (
  id          boolean PRIMARY KEY DEFAULT true CHECK (id),
  public_key  text NOT NULL,
  private_key text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- The endpoint is the device: subscribing it again (the same browser, maybe another account now)
-- moves it. A subscription belongs to the sign-in that made it, so a device that logs out stops
-- receiving (sends skip revoked sessions; deleting the session deletes it).
CREATE TABLE push_subscriptions (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  session_id   uuid REFERENCES sessions (id) ON DELETE CASCADE,
  endpoint     text NOT NULL UNIQUE,
  p256dh       text NOT NULL,
  auth         text NOT NULL,
  user_agent   text,
  -- The app's language on that device: the words a notification uses around the message.
  lang         text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_push_at timestamptz
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- The conversations a user was last notified of and up to which message, so reading on one device
-- closes the notification on the others: the instance that takes the row sends the closing push.
CREATE TABLE push_notified (
  user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  seq             bigint NOT NULL,
  notified_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, conversation_id)
);
