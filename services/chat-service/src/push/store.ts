import type { Queryable } from "@messenger/common";

export interface SubscriptionRow {
  id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  lang: string | null;
}

/** What the push rules need to know of one recipient in one conversation. */
export interface RecipientRow {
  user_id: string;
  last_read_seq: number;
  /** In do-not-disturb now. */
  dnd: boolean;
  /** The member's notification settings (issue 13; null level: the default for the conversation's size). */
  notify_level: "all" | "mentions" | "none" | null;
  muted: boolean;
}

export interface NewSubscription {
  userId: string;
  sessionId: string | null;
  endpoint: string;
  p256dh: string;
  auth: string;
  userAgent: string | null;
  lang: string | null;
}

const SUB = "s.id, s.user_id, s.endpoint, s.p256dh, s.auth, s.lang";

/** Push subscriptions, the VAPID key pair, and which conversations were last notified to whom. */
export function createPushStore(db: Queryable) {
  return {
    async vapidKeys(): Promise<{ public_key: string; private_key: string } | null> {
      const r = await db.query<{ public_key: string; private_key: string }>(
        "SELECT public_key, private_key FROM push_vapid_keys",
      );
      return r.rows[0] ?? null;
    },
    /** Keeps the first pair any instance stored (two first starts race: both then read the winner). */
    async storeVapidKeys(publicKey: string, privateKey: string): Promise<void> {
      await db.query(
        "INSERT INTO push_vapid_keys (public_key, private_key) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
        [publicKey, privateKey],
      );
    },

    /**
     * The device's subscription, now this user's (a browser profile that signed in as someone else
     * moves to them). Beyond `max` per user the oldest go, as an old tab's socket does.
     */
    async upsert(s: NewSubscription, max: number): Promise<void> {
      await db.query(
        `INSERT INTO push_subscriptions (user_id, session_id, endpoint, p256dh, auth, user_agent, lang)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (endpoint) DO UPDATE SET user_id = EXCLUDED.user_id, session_id = EXCLUDED.session_id,
           p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth, user_agent = EXCLUDED.user_agent,
           lang = EXCLUDED.lang, created_at = now()`,
        [s.userId, s.sessionId, s.endpoint, s.p256dh, s.auth, s.userAgent?.slice(0, 512) ?? null, s.lang],
      );
      await db.query(
        `DELETE FROM push_subscriptions WHERE user_id = $1 AND id NOT IN
           (SELECT id FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT $2)`,
        [s.userId, max],
      );
    },
    async remove(userId: string, endpoint: string): Promise<boolean> {
      const r = await db.query("DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2", [
        userId,
        endpoint,
      ]);
      return (r.rowCount ?? 0) > 0;
    },
    /** The push service says the subscription is gone (404/410). */
    async removeEndpoint(endpoint: string): Promise<void> {
      await db.query("DELETE FROM push_subscriptions WHERE endpoint = $1", [endpoint]);
    },
    async countOf(userId: string): Promise<number> {
      const r = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM push_subscriptions WHERE user_id = $1", [
        userId,
      ]);
      return r.rows[0]!.n;
    },
    /** Subscriptions of active users whose sign-in is still active (a logged-out device hears nothing). */
    async forUsers(userIds: readonly string[]): Promise<SubscriptionRow[]> {
      if (!userIds.length) return [];
      const r = await db.query<SubscriptionRow>(
        `SELECT ${SUB} FROM push_subscriptions s
         JOIN users u ON u.id = s.user_id AND u.deactivated_at IS NULL
         LEFT JOIN sessions se ON se.id = s.session_id
         WHERE s.user_id = ANY($1::uuid[]) AND (s.session_id IS NULL OR se.revoked_at IS NULL)`,
        [userIds],
      );
      return r.rows;
    },
    /**
     * Members among `userIds` of the conversation, with their read position: the greater of the
     * member row's and, in a big conversation, its positions row's (see migration 006).
     */
    async recipients(conversationId: string, userIds: readonly string[]): Promise<RecipientRow[]> {
      const r = await db.query<RecipientRow>(
        `SELECT m.user_id, GREATEST(m.last_read_seq, COALESCE((p.value->>0)::bigint, 0))::int AS last_read_seq,
                COALESCE(u.dnd_until > now(), false) AS dnd, m.notify_level, m.muted
         FROM conversation_members m JOIN users u ON u.id = m.user_id
         LEFT JOIN (SELECT e.key, e.value FROM conversation_positions cp, jsonb_each(cp.positions) e
                    WHERE cp.conversation_id = $1) p ON p.key = m.user_id::text
         WHERE m.conversation_id = $1 AND m.user_id = ANY($2::uuid[])`,
        [conversationId, userIds],
      );
      return r.rows;
    },
    async inDnd(userId: string): Promise<boolean> {
      const r = await db.query<{ dnd: boolean }>(
        "SELECT COALESCE(dnd_until > now(), false) AS dnd FROM users WHERE id = $1",
        [userId],
      );
      return r.rows[0]?.dnd ?? false;
    },
    /** Each user's unread messages over all their conversations (the app badge). */
    async unreadTotals(userIds: readonly string[]): Promise<Map<string, number>> {
      if (!userIds.length) return new Map();
      const r = await db.query<{ user_id: string; n: number }>(
        `SELECT m.user_id, coalesce(sum(greatest(c.last_seq - GREATEST(m.last_read_seq,
                  COALESCE((cp.positions -> m.user_id::text ->> 0)::bigint, 0)), 0)), 0)::int AS n
         FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
         LEFT JOIN conversation_positions cp ON cp.conversation_id = m.conversation_id
         WHERE m.user_id = ANY($1::uuid[]) GROUP BY m.user_id`,
        [userIds],
      );
      return new Map(r.rows.map((x) => [x.user_id, x.n]));
    },
    async markNotified(conversationId: string, userIds: readonly string[], seq: number): Promise<void> {
      if (!userIds.length) return;
      await db.query(
        `INSERT INTO push_notified (user_id, conversation_id, seq)
         SELECT u, $1, $3 FROM unnest($2::uuid[]) AS u
         ON CONFLICT (user_id, conversation_id) DO UPDATE SET seq = greatest(push_notified.seq, EXCLUDED.seq),
           notified_at = now()`,
        [conversationId, userIds, seq],
      );
    },
    /** True (once, on one instance) when a notification up to `seq` was shown and is now read. */
    async takeNotified(userId: string, conversationId: string, seq: number): Promise<boolean> {
      const r = await db.query("DELETE FROM push_notified WHERE user_id = $1 AND conversation_id = $2 AND seq <= $3", [
        userId,
        conversationId,
        seq,
      ]);
      return (r.rowCount ?? 0) > 0;
    },
  };
}
export type PushStore = ReturnType<typeof createPushStore>;
