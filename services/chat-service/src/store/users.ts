import type { Queryable } from "@messenger/common";

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  last_seen_at: Date | null;
  created_at: Date;
  deactivated_at: Date | null;
  role: "owner" | "admin" | "member" | "guest";
  email: string | null;
  status_emoji: string | null;
  status_text: string | null;
  status_expires_at: Date | null;
  dnd_until: Date | null;
  time_zone: string | null;
  avatar_key: string | null;
}

export const USER_COLUMNS =
  "id, username, display_name, password_hash, last_seen_at, created_at, deactivated_at, role, email, " +
  "status_emoji, status_text, status_expires_at, dnd_until, time_zone, avatar_key";

export function createUserStore(db: Queryable) {
  return {
    /** Returns null when the username is taken (one statement, no race). */
    async insert(
      u: { username: string; displayName: string; passwordHash: string; role?: UserRow["role"]; email?: string | null },
      q: Queryable = db,
    ): Promise<UserRow | null> {
      const r = await q.query<UserRow>(
        `INSERT INTO users (username, display_name, password_hash, role, email) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (username) DO NOTHING RETURNING ${USER_COLUMNS}`,
        [u.username, u.displayName, u.passwordHash, u.role ?? "member", u.email ?? null],
      );
      return r.rows[0] ?? null;
    },
    async findByUsername(username: string, q: Queryable = db): Promise<UserRow | null> {
      const r = await q.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE username = $1`, [username]);
      return r.rows[0] ?? null;
    },
    async findById(id: string, q: Queryable = db): Promise<UserRow | null> {
      const r = await q.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
      return r.rows[0] ?? null;
    },
    async findByIds(ids: readonly string[], q: Queryable = db): Promise<UserRow[]> {
      if (ids.length === 0) return [];
      const r = await q.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ANY($1::uuid[])`, [ids]);
      return r.rows;
    },
    /** Prefix match on username or display name (both indexed with text_pattern_ops). */
    async search(prefix: string, limit: number, q: Queryable = db): Promise<UserRow[]> {
      const like = `${prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const r = await q.query<UserRow>(
        `SELECT ${USER_COLUMNS} FROM users
         WHERE username LIKE $1 OR lower(display_name) LIKE $1
         ORDER BY username LIMIT $2`,
        [like, limit],
      );
      return r.rows;
    },
    async touchLastSeen(id: string, q: Queryable = db): Promise<Date> {
      const r = await q.query<{ last_seen_at: Date }>(
        "UPDATE users SET last_seen_at = now() WHERE id = $1 RETURNING last_seen_at",
        [id],
      );
      return r.rows[0]?.last_seen_at ?? new Date();
    },
  };
}
export type UserStore = ReturnType<typeof createUserStore>;
