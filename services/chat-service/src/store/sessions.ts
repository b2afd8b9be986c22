import type { Queryable } from "@messenger/common";

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
    async isActive(id: string, q: Queryable = db): Promise<boolean> {
      const r = await q.query("SELECT 1 FROM sessions WHERE id = $1 AND revoked_at IS NULL", [id]);
      return (r.rowCount ?? 0) > 0;
    },
  };
}
export type SessionStore = ReturnType<typeof createSessionStore>;
