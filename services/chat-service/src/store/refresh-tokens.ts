import type { Queryable } from "@messenger/common";

export interface RefreshTokenRow {
  id: string;
  user_id: string;
  family_id: string;
  token_hash: string;
  expires_at: Date;
  revoked_at: Date | null;
}

export function createRefreshTokenStore(db: Queryable) {
  return {
    async insert(
      t: { userId: string; familyId: string; tokenHash: string; ttlDays: number },
      q: Queryable = db,
    ): Promise<RefreshTokenRow> {
      const r = await q.query<RefreshTokenRow>(
        `INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(days => $4))
         RETURNING id, user_id, family_id, token_hash, expires_at, revoked_at`,
        [t.userId, t.familyId, t.tokenHash, t.ttlDays],
      );
      return r.rows[0]!;
    },
    /** Locks the row so two concurrent refreshes with one token cannot both rotate it. */
    async findByHashForUpdate(tokenHash: string, q: Queryable): Promise<RefreshTokenRow | null> {
      const r = await q.query<RefreshTokenRow>(
        `SELECT id, user_id, family_id, token_hash, expires_at, revoked_at
         FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
        [tokenHash],
      );
      return r.rows[0] ?? null;
    },
    async revoke(id: string, q: Queryable = db): Promise<void> {
      await q.query("UPDATE refresh_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", [id]);
    },
    async findByHash(tokenHash: string, q: Queryable = db): Promise<RefreshTokenRow | null> {
      const r = await q.query<RefreshTokenRow>(
        "SELECT id, user_id, family_id, token_hash, expires_at, revoked_at FROM refresh_tokens WHERE token_hash = $1",
        [tokenHash],
      );
      return r.rows[0] ?? null;
    },
  };
}
export type RefreshTokenStore = ReturnType<typeof createRefreshTokenStore>;
