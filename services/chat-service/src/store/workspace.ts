import type { Queryable } from "@messenger/common";

export interface WorkspaceSettingsRow {
  /** null: the REGISTRATION environment setting decides. */
  registration: "open" | "invite" | "closed" | null;
  allowed_email_domains: string[];
  password_login: boolean;
}

const COLUMNS = "registration, allowed_email_domains, password_login";

export function createWorkspaceStore(db: Queryable) {
  return {
    async get(q: Queryable = db): Promise<WorkspaceSettingsRow> {
      const r = await q.query<WorkspaceSettingsRow>(`SELECT ${COLUMNS} FROM workspace_settings`);
      return r.rows[0]!;
    },
    /** Serialises sign-ups (who becomes owner, which policy applies) for the transaction. */
    async lock(q: Queryable): Promise<WorkspaceSettingsRow> {
      const r = await q.query<WorkspaceSettingsRow>(`SELECT ${COLUMNS} FROM workspace_settings FOR UPDATE`);
      return r.rows[0]!;
    },
    async update(
      s: { registration?: string; allowedEmailDomains?: string[]; passwordLogin?: boolean },
      by: string,
      q: Queryable = db,
    ): Promise<WorkspaceSettingsRow> {
      const r = await q.query<WorkspaceSettingsRow>(
        `UPDATE workspace_settings SET
           registration = coalesce($1, registration),
           allowed_email_domains = coalesce($2, allowed_email_domains),
           password_login = coalesce($3, password_login),
           updated_by = $4, updated_at = now()
         RETURNING ${COLUMNS}`,
        [s.registration ?? null, s.allowedEmailDomains ?? null, s.passwordLogin ?? null, by],
      );
      return r.rows[0]!;
    },
  };
}
export type WorkspaceStore = ReturnType<typeof createWorkspaceStore>;
