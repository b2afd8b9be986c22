import type { Queryable } from "@messenger/common";
import { USER_COLUMNS, type UserRow } from "./users.js";

const escapeLike = (s: string) => s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);

/** The people side of `users`: roles, deactivation, profiles, and who may see whom. */
export function createPeopleStore(db: Queryable) {
  return {
    async hasOwner(q: Queryable = db): Promise<boolean> {
      const r = await q.query("SELECT 1 FROM users WHERE role = 'owner'");
      return (r.rowCount ?? 0) > 0;
    },
    async findByEmail(email: string, q: Queryable = db): Promise<UserRow | null> {
      const r = await q.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE lower(email) = lower($1)`, [email]);
      return r.rows[0] ?? null;
    },
    /** Everyone, deactivated too, by username after `after` (the admin's list). */
    async page(prefix: string, after: string | null, limit: number, q: Queryable = db): Promise<UserRow[]> {
      const like = `${escapeLike(prefix)}%`;
      const r = await q.query<UserRow>(
        `SELECT ${USER_COLUMNS} FROM users
         WHERE (username LIKE $1 OR lower(display_name) LIKE $1 OR lower(coalesce(email, '')) LIKE $1)
           AND ($2::text IS NULL OR username > $2)
         ORDER BY username LIMIT $3`,
        [like, after, limit],
      );
      return r.rows;
    },
    /** The directory: active accounts by prefix; `contactsOf` limits it to people sharing a conversation. */
    async directory(
      prefix: string,
      limit: number,
      opts: { contactsOf?: string } = {},
      q: Queryable = db,
    ): Promise<UserRow[]> {
      const like = `${escapeLike(prefix)}%`;
      const r = await q.query<UserRow>(
        `SELECT ${USER_COLUMNS} FROM users u
         WHERE (u.username LIKE $1 OR lower(u.display_name) LIKE $1) AND u.deactivated_at IS NULL
           AND ($3::uuid IS NULL OR u.id = $3 OR EXISTS (
             SELECT 1 FROM conversation_members mine JOIN conversation_members theirs USING (conversation_id)
             WHERE mine.user_id = $3 AND theirs.user_id = u.id))
         ORDER BY u.username LIMIT $2`,
        [like, limit, opts.contactsOf ?? null],
      );
      return r.rows;
    },
    /** Of `ids`, those who share at least one conversation with `userId`. */
    async contactsAmong(userId: string, ids: readonly string[], q: Queryable = db): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const r = await q.query<{ user_id: string }>(
        `SELECT DISTINCT theirs.user_id FROM conversation_members mine
         JOIN conversation_members theirs USING (conversation_id)
         WHERE mine.user_id = $1 AND theirs.user_id = ANY($2::uuid[])`,
        [userId, ids],
      );
      return new Set(r.rows.map((x) => x.user_id));
    },
    async setRole(id: string, role: UserRow["role"], q: Queryable = db): Promise<UserRow | null> {
      const r = await q.query<UserRow>(`UPDATE users SET role = $2 WHERE id = $1 RETURNING ${USER_COLUMNS}`, [
        id,
        role,
      ]);
      return r.rows[0] ?? null;
    },
    async setDeactivated(id: string, deactivated: boolean, q: Queryable = db): Promise<UserRow | null> {
      const r = await q.query<UserRow>(
        `UPDATE users SET deactivated_at = CASE WHEN $2 THEN coalesce(deactivated_at, now()) END
         WHERE id = $1 RETURNING ${USER_COLUMNS}`,
        [id, deactivated],
      );
      return r.rows[0] ?? null;
    },
    /** Only the columns named change (undefined = keep). */
    async updateProfile(
      id: string,
      p: {
        displayName?: string;
        status?: { emoji: string; text: string; expiresAt: string | null } | null;
        dndUntil?: string | null;
        timeZone?: string | null;
      },
      q: Queryable = db,
    ): Promise<UserRow | null> {
      const status = p.status === undefined ? undefined : p.status;
      const r = await q.query<UserRow>(
        `UPDATE users SET
           display_name = coalesce($2, display_name),
           status_emoji = CASE WHEN $3 THEN $4 ELSE status_emoji END,
           status_text = CASE WHEN $3 THEN $5 ELSE status_text END,
           status_expires_at = CASE WHEN $3 THEN $6::timestamptz ELSE status_expires_at END,
           dnd_until = CASE WHEN $7 THEN $8::timestamptz ELSE dnd_until END,
           time_zone = CASE WHEN $9 THEN $10 ELSE time_zone END
         WHERE id = $1 RETURNING ${USER_COLUMNS}`,
        [
          id,
          p.displayName ?? null,
          status !== undefined,
          status?.emoji ?? null,
          status?.text ?? null,
          status?.expiresAt ?? null,
          p.dndUntil !== undefined,
          p.dndUntil ?? null,
          p.timeZone !== undefined,
          p.timeZone ?? null,
        ],
      );
      return r.rows[0] ?? null;
    },
    async setPasswordHash(id: string, passwordHash: string, q: Queryable = db): Promise<void> {
      await q.query("UPDATE users SET password_hash = $2 WHERE id = $1", [id, passwordHash]);
    },
  };
}
export type PeopleStore = ReturnType<typeof createPeopleStore>;
