import type { Queryable } from "@messenger/common";

export interface AuditRow {
  id: string;
  at: Date;
  action: string;
  actor_id: string | null;
  target_user_id: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export interface AuditRecord {
  action: string;
  actorId?: string | null;
  targetUserId?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

export function createAuditStore(db: Queryable) {
  return {
    async record(e: AuditRecord, q: Queryable = db): Promise<void> {
      await q.query(
        "INSERT INTO audit_log (action, actor_id, target_user_id, ip, details) VALUES ($1, $2, $3, $4, $5)",
        [e.action, e.actorId ?? null, e.targetUserId ?? null, e.ip ?? null, JSON.stringify(e.details ?? {})],
      );
    },
    /** Newest first, below `before` (an id); optionally one account's entries. */
    async page(
      opts: { before: string | null; userId: string | null; limit: number },
      q: Queryable = db,
    ): Promise<AuditRow[]> {
      const r = await q.query<AuditRow>(
        `SELECT id::text, at, action, actor_id, target_user_id, ip, details FROM audit_log
         WHERE ($1::bigint IS NULL OR id < $1) AND ($2::uuid IS NULL OR target_user_id = $2 OR actor_id = $2)
         ORDER BY id DESC LIMIT $3`,
        [opts.before, opts.userId, opts.limit],
      );
      return r.rows;
    },
  };
}
export type AuditStore = ReturnType<typeof createAuditStore>;
