import type { Queryable } from "@messenger/common";
import type { NotificationLevel, Visibility } from "@messenger/protocol";

export interface ChannelRow {
  id: string;
  title: string;
  topic: string | null;
  member_count: number;
  joined: boolean;
  sort_title: string;
}

/** What PATCH may change (undefined: unchanged; topic null: cleared). */
export interface GroupChanges {
  title?: string;
  topic?: string | null;
  visibility?: Visibility;
  archived?: boolean;
}

/** `%`, `_` and `\` match themselves in a LIKE pattern. */
const likeLiteral = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export function createChannelStore(db: Queryable) {
  return {
    /**
     * Public, live groups in title order after the cursor, optionally those whose title or topic
     * contains `search` (case-insensitive; served by the trigram index of migration 007).
     */
    async browse(
      userId: string,
      search: string,
      after: { sortTitle: string; id: string } | null,
      limit: number,
      q: Queryable = db,
    ): Promise<ChannelRow[]> {
      const r = await q.query<ChannelRow>(
        `SELECT c.id, c.title, c.topic, lower(c.title) AS sort_title,
           (SELECT count(*) FROM conversation_members x WHERE x.conversation_id = c.id)::int AS member_count,
           EXISTS (SELECT 1 FROM conversation_members x WHERE x.conversation_id = c.id AND x.user_id = $1) AS joined
         FROM conversations c
         WHERE c.visibility = 'public' AND c.kind = 'group' AND NOT c.archived
           AND ($2 = '' OR lower(coalesce(c.title, '') || ' ' || coalesce(c.topic, '')) LIKE '%' || $2 || '%')
           AND ($3::text IS NULL OR (lower(c.title), c.id) > ($3::text, $4::uuid))
         ORDER BY lower(c.title), c.id LIMIT $5`,
        [userId, likeLiteral(search.toLowerCase()), after?.sortTitle ?? null, after?.id ?? null, limit],
      );
      return r.rows;
    },
    /** Applies the changes; returns the row as it was before (null: no such group). */
    async update(
      conversationId: string,
      changes: GroupChanges,
      q: Queryable,
    ): Promise<{ title: string | null; topic: string | null; visibility: Visibility; archived: boolean } | null> {
      const r = await q.query<{
        title: string | null;
        topic: string | null;
        visibility: Visibility;
        archived: boolean;
      }>(
        `UPDATE conversations c SET
           title = COALESCE($2, c.title),
           topic = CASE WHEN $3 THEN $4 ELSE c.topic END,
           visibility = COALESCE($5, c.visibility),
           archived = COALESCE($6, c.archived)
         FROM (SELECT title, topic, visibility, archived FROM conversations WHERE id = $1 AND kind = 'group' FOR UPDATE) old
         WHERE c.id = $1
         RETURNING old.title, old.topic, old.visibility, old.archived`,
        [
          conversationId,
          changes.title ?? null,
          changes.topic !== undefined,
          changes.topic ?? null,
          changes.visibility ?? null,
          changes.archived ?? null,
        ],
      );
      return r.rows[0] ?? null;
    },
    async setNotifications(
      conversationId: string,
      userId: string,
      level: NotificationLevel,
      muted: boolean,
      q: Queryable = db,
    ): Promise<boolean> {
      const r = await q.query(
        "UPDATE conversation_members SET notify_level = $3, muted = $4 WHERE conversation_id = $1 AND user_id = $2",
        [conversationId, userId, level, muted],
      );
      return (r.rowCount ?? 0) > 0;
    },
  };
}
export type ChannelStore = ReturnType<typeof createChannelStore>;
