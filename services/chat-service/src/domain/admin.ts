import { newRefreshToken, withTransaction } from "@messenger/common";
import type {
  AdminUser,
  AdminUsersQuery,
  AdminUsersResponse,
  AuditQuery,
  AuditResponse,
  CreateWorkspaceInvite,
  CreateWorkspaceInviteResponse,
  UpdateSettingsBody,
  UpdateUserBody,
  WorkspaceInvite,
  WorkspaceSettings,
} from "@messenger/protocol";
import type { CoreDeps } from "../core-deps.js";
import { badRequest, forbidden, notFound } from "../errors.js";
import type { InviteRow, UserRow } from "../store/index.js";
import type { AccountService } from "./account.js";
import { toUsers } from "./users.js";
import type { WorkspaceService } from "./workspace.js";

const toInvite = (r: InviteRow): WorkspaceInvite => ({
  id: r.id,
  email: r.email,
  role: r.role,
  expiresAt: r.expires_at.toISOString(),
  usedAt: r.used_at?.toISOString() ?? null,
  revokedAt: r.revoked_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
});

const encodeCursor = (username: string) => Buffer.from(username).toString("base64url");
const decodeCursor = (cursor: string) => Buffer.from(cursor, "base64url").toString();

export interface AdminDeps extends CoreDeps {
  workspace: WorkspaceService;
  account: AccountService;
  /** Ends the user's ringing or active call (deactivation leaves nothing ringing). */
  endCallsOf(userId: string): Promise<void>;
}

/** The admin console's rules: every method first checks the actor is the owner or an admin (else 403). */
export function createAdminService(deps: AdminDeps) {
  const { db, stores, access, presence, sessions, hub, workspace, account } = deps;

  async function adminUsers(rows: UserRow[]): Promise<AdminUser[]> {
    const users = await toUsers(rows, presence);
    return users.map((u, i) => ({ ...u, email: rows[i]!.email, createdAt: rows[i]!.created_at.toISOString() }));
  }

  return {
    async settings(actorId: string): Promise<WorkspaceSettings> {
      await access.requireWorkspaceAdmin(actorId);
      return workspace.settings();
    },

    async updateSettings(actorId: string, body: UpdateSettingsBody, ip: string | null): Promise<WorkspaceSettings> {
      await access.requireWorkspaceAdmin(actorId);
      return withTransaction(db, async (tx) => {
        const before = await workspace.settings(tx);
        const after = await workspace.update(body, actorId, tx);
        await stores.audit.record({ action: "settings_changed", actorId, ip, details: { before, after } }, tx);
        return after;
      });
    },

    async users(actorId: string, q: AdminUsersQuery): Promise<AdminUsersResponse> {
      await access.requireWorkspaceAdmin(actorId);
      const rows = await stores.people.page(q.q.trim(), q.cursor ? decodeCursor(q.cursor) : null, q.limit + 1);
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        users: await adminUsers(page),
        nextCursor: rows.length > q.limit && last ? encodeCursor(last.username) : null,
      };
    },

    /**
     * Changes a role or (de)activates. Nobody changes the owner or themselves. Deactivation ends every
     * session at once: tokens are refused, sockets closed on every instance, calls ended.
     */
    async updateUser(actorId: string, targetId: string, body: UpdateUserBody, ip: string | null): Promise<AdminUser> {
      await access.requireWorkspaceAdmin(actorId);
      if (targetId === actorId) throw forbidden("you cannot change your own role or deactivate yourself");
      const { row, deactivatedNow } = await withTransaction(db, async (tx) => {
        const target = await stores.users.findById(targetId, tx);
        if (!target) throw notFound("user");
        if (target.role === "owner") throw forbidden("the owner's account cannot be changed");
        let row = target;
        if (body.role && body.role !== target.role) {
          row = (await stores.people.setRole(targetId, body.role, tx))!;
          await stores.audit.record(
            {
              action: "role_changed",
              actorId,
              targetUserId: targetId,
              ip,
              details: { from: target.role, to: body.role },
            },
            tx,
          );
        }
        const wasDeactivated = target.deactivated_at !== null;
        if (body.deactivated !== undefined && body.deactivated !== wasDeactivated) {
          row = (await stores.people.setDeactivated(targetId, body.deactivated, tx))!;
          if (body.deactivated) await stores.sessions.revokeAllOf(targetId, null, tx);
          await stores.audit.record(
            { action: body.deactivated ? "user_deactivated" : "user_reactivated", actorId, targetUserId: targetId, ip },
            tx,
          );
        }
        return { row, deactivatedNow: body.deactivated === true && !wasDeactivated };
      });
      if (deactivatedNow) {
        sessions.forget({ userId: targetId });
        hub.endUser(targetId);
        await deps.endCallsOf(targetId).catch((err: unknown) => deps.log.warn({ err }, "could not end a call"));
      }
      await account.publishUser(targetId);
      return (await adminUsers([row]))[0]!;
    },

    async createInvite(
      actorId: string,
      body: CreateWorkspaceInvite,
      baseUrl: string,
    ): Promise<CreateWorkspaceInviteResponse> {
      await access.requireWorkspaceAdmin(actorId);
      if (body.email && (await stores.people.findByEmail(body.email)))
        throw badRequest("email: that person has an account");
      const code = newRefreshToken();
      const row = await withTransaction(db, async (tx) => {
        const invite = await stores.invites.insert(
          {
            codeHash: code.hash,
            email: body.email ?? null,
            role: body.role,
            createdBy: actorId,
            expiresInHours: body.expiresInHours,
          },
          tx,
        );
        await stores.audit.record(
          {
            action: "invite_created",
            actorId,
            details: { inviteId: invite.id, role: invite.role, email: invite.email },
          },
          tx,
        );
        return invite;
      });
      const url = `${baseUrl.replace(/\/$/, "")}/?invite=${encodeURIComponent(code.token)}`;
      return { code: code.token, url, invite: toInvite(row) };
    },

    async invites(actorId: string): Promise<WorkspaceInvite[]> {
      await access.requireWorkspaceAdmin(actorId);
      return (await stores.invites.recent(100)).map(toInvite);
    },

    async revokeInvite(actorId: string, inviteId: string): Promise<void> {
      await access.requireWorkspaceAdmin(actorId);
      if (!(await stores.invites.revoke(inviteId))) throw notFound("invite");
      await stores.audit.record({ action: "invite_revoked", actorId, details: { inviteId } });
    },

    async audit(actorId: string, q: AuditQuery): Promise<AuditResponse> {
      await access.requireWorkspaceAdmin(actorId);
      const rows = await stores.audit.page({ before: q.cursor ?? null, userId: q.userId ?? null, limit: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      return {
        entries: page.map((r) => ({
          id: r.id,
          at: r.at.toISOString(),
          action: r.action as AuditResponse["entries"][number]["action"],
          actorId: r.actor_id,
          targetUserId: r.target_user_id,
          ip: r.ip,
          details: r.details,
        })),
        nextCursor: rows.length > q.limit ? (page[page.length - 1]?.id ?? null) : null,
      };
    },
  };
}
export type AdminService = ReturnType<typeof createAdminService>;
