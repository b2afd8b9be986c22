import type { Queryable } from "@messenger/common";

export interface SessionRow {
  id: string;
  user_agent: string | null;
  ip: string | null;
  created_at: Date;
  last_used_at: Date;
}

export function createSessionStore(db: Queryable) {
  return {
    async insert(
      s: { userId: string; userAgent: string | null; ip: string | null },
      q: Queryable = db,
    ): Promise<string> {
      const r = await q.query<{ id: string }>(
        "INSERT INTO sessions (user_id, user_agent, ip) VALUES ($1, $2, $3) RETURNING id",
        [s.userId, s.userAgent?.slice(0, 512) ?? null, s.ip],
      );
      return r.rows[0]!.id;
    },
    /** Ends the session and every refresh token of it; true when it was still active. */
    async revoke(id: string, q: Queryable = db): Promise<boolean> {
      await q.query("UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL", [id]);
      const r = await q.query("UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", [id]);
      return (r.rowCount ?? 0) > 0;
    },
    /** Ends every active session of the user but `exceptId`; returns the ids it ended. */
    async revokeAllOf(userId: string, exceptId: string | null = null, q: Queryable = db): Promise<string[]> {
      const r = await q.query<{ id: string }>(
        `UPDATE sessions SET revoked_at = now()
         WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id <> $2) RETURNING id`,
        [userId, exceptId],
      );
      const ids = r.rows.map((x) => x.id);
      if (ids.length)
        await q.query(
          "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = ANY($1::uuid[]) AND revoked_at IS NULL",
          [ids],
        );
      return ids;
    },
    async listActive(userId: string, q: Queryable = db): Promise<SessionRow[]> {
      const r = await q.query<SessionRow>(
        `SELECT id, user_agent, ip, created_at, coalesce(last_used_at, created_at) AS last_used_at
         FROM sessions WHERE user_id = $1 AND revoked_at IS NULL ORDER BY last_used_at DESC NULLS LAST, created_at DESC`,
        [userId],
      );
      return r.rows;
    },
    /** Whether the session is the user's and still active (a stranger's id answers false). */
    async isActiveOf(id: string, userId: string, q: Queryable = db): Promise<boolean> {
      const r = await q.query("SELECT 1 FROM sessions WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL", [
        id,
        userId,
      ]);
      return (r.rowCount ?? 0) > 0;
    },
    async touch(id: string, q: Queryable = db): Promise<void> {
      await q.query("UPDATE sessions SET last_used_at = now() WHERE id = $1", [id]);
    },
    async isActive(id: string, q: Queryable = db): Promise<boolean> {
      const r = await q.query("SELECT 1 FROM sessions WHERE id = $1 AND revoked_at IS NULL", [id]);
      return (r.rowCount ?? 0) > 0;
    },
  };
}
export type SessionStore = ReturnType<typeof createSessionStore>;
