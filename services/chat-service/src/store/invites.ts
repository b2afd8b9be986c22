import type { Queryable } from "@messenger/common";

export interface InviteRow {
  id: string;
  email: string | null;
  role: "admin" | "member" | "guest";
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

const COLUMNS = "id, email, role, expires_at, used_at, revoked_at, created_at";

export function createInviteStore(db: Queryable) {
  return {
    async insert(
      i: { codeHash: string; email: string | null; role: InviteRow["role"]; createdBy: string; expiresInHours: number },
      q: Queryable = db,
    ): Promise<InviteRow> {
      const r = await q.query<InviteRow>(
        `INSERT INTO invites (code_hash, email, role, created_by, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5)) RETURNING ${COLUMNS}`,
        [i.codeHash, i.email, i.role, i.createdBy, i.expiresInHours],
      );
      return r.rows[0]!;
    },
    /** Uses the invite up (once: a second use of the same code finds nothing). */
    async claim(codeHash: string, q: Queryable): Promise<InviteRow | null> {
      const r = await q.query<InviteRow>(
        `UPDATE invites SET used_at = now()
         WHERE code_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
         RETURNING ${COLUMNS}`,
        [codeHash],
      );
      return r.rows[0] ?? null;
    },
    async markUsedBy(id: string, userId: string, q: Queryable): Promise<void> {
      await q.query("UPDATE invites SET used_by = $2 WHERE id = $1", [id, userId]);
    },
    async recent(limit: number, q: Queryable = db): Promise<InviteRow[]> {
      const r = await q.query<InviteRow>(`SELECT ${COLUMNS} FROM invites ORDER BY created_at DESC LIMIT $1`, [limit]);
      return r.rows;
    },
    async revoke(id: string, q: Queryable = db): Promise<boolean> {
      const r = await q.query(
        "UPDATE invites SET revoked_at = now() WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL",
        [id],
      );
      return (r.rowCount ?? 0) > 0;
    },
  };
}
export type InviteStore = ReturnType<typeof createInviteStore>;
