-- Big conversations (issue 12): a member count that costs nothing to read, and read/delivered
-- positions that cost one row per window instead of one row per member per message.

-- Kept by statement-level triggers, so every way members come and go (the API, a bulk insert,
-- a user's deletion cascading) keeps it exact, at one conversation row write per statement.
ALTER TABLE conversations ADD COLUMN member_count integer NOT NULL DEFAULT 0;
UPDATE conversations c SET member_count = (SELECT count(*) FROM conversation_members m WHERE m.conversation_id = c.id);

CREATE FUNCTION conversation_members_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE conversations c SET member_count = c.member_count + a.n
  FROM (SELECT conversation_id, count(*) AS n FROM added GROUP BY conversation_id) a
  WHERE c.id = a.conversation_id;
  RETURN NULL;
END $$;

CREATE FUNCTION conversation_members_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE conversations c SET member_count = GREATEST(0, c.member_count - r.n)
  FROM (SELECT conversation_id, count(*) AS n FROM removed GROUP BY conversation_id) r
  WHERE c.id = r.conversation_id;
  RETURN NULL;
END $$;

CREATE TRIGGER conversation_members_count_added AFTER INSERT ON conversation_members
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION conversation_members_added();
CREATE TRIGGER conversation_members_count_removed AFTER DELETE ON conversation_members
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION conversation_members_removed();

-- Positions of the members of big conversations (more than BIG_CONVERSATION_MEMBERS members), moved
-- by receipts: one row per conversation, `{ "<user id>": [read_seq, delivered_seq] }`, rewritten once
-- per receipt window for every member who moved in it. A member's position is the greater of this
-- and conversation_members' own columns (which joining and sending still move), so a conversation
-- crossing the threshold either way loses nothing.
CREATE TABLE conversation_positions (
  conversation_id uuid PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
  positions       jsonb NOT NULL DEFAULT '{}'
);
