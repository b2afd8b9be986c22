// The signed-in person's own account and, for admins, the workspace console: one typed function per
// route (chat-service's /api/me… and /api/admin/…, media-service's avatar), no state of its own.
import type {
  AdminUserResponse,
  AdminUsersResponse,
  AuditResponse,
  ChangePasswordBody,
  CreateWorkspaceInviteBody,
  CreateWorkspaceInviteResponse,
  MeResponse,
  SessionsResponse,
  SettingsResponse,
  UpdateMeBody,
  UpdateSettingsBody,
  UpdateUserBody,
  WorkspaceInvitesResponse,
} from "@messenger/protocol";
import type { Auth } from "./auth";
import { errorFromResponse, networkError } from "./errors";

export function createAccountApi(auth: Auth) {
  const q = (params: Record<string, string | undefined>) => {
    const s = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
    return s.size ? `?${s}` : "";
  };
  return {
    me: () => auth.api<MeResponse>("/api/me"),
    async updateMe(body: UpdateMeBody) {
      const r = await auth.api<MeResponse>("/api/me", { method: "PATCH", json: body });
      auth.setUser(r.user);
      return r;
    },
    changePassword: (body: ChangePasswordBody) => auth.api<void>("/api/me/password", { method: "POST", json: body }),
    sessions: () => auth.api<SessionsResponse>("/api/me/sessions"),
    endSession: (id: string) => auth.api<void>(`/api/me/sessions/${id}`, { method: "DELETE" }),
    async logoutAll() {
      await auth.api<void>("/api/auth/logout-all", { method: "POST" });
      await auth.logout();
    },
    /** media-service: the picture is re-encoded there; the new URL comes back in `user:updated` too. */
    async uploadAvatar(file: Blob, name: string): Promise<string> {
      const form = new FormData();
      form.append("file", file, name);
      let res: Response;
      try {
        res = await auth.apiFetch("/api/media/avatar", { method: "POST", body: form });
      } catch {
        throw networkError();
      }
      if (!res.ok) throw await errorFromResponse(res);
      return ((await res.json()) as { avatarUrl: string }).avatarUrl;
    },
    removeAvatar: () => auth.api<void>("/api/media/avatar", { method: "DELETE" }),

    admin: {
      settings: () => auth.api<SettingsResponse>("/api/admin/settings"),
      updateSettings: (body: UpdateSettingsBody) =>
        auth.api<SettingsResponse>("/api/admin/settings", { method: "PUT", json: body }),
      users: (query: string, cursor?: string) =>
        auth.api<AdminUsersResponse>(`/api/admin/users${q({ q: query || undefined, cursor })}`),
      updateUser: (id: string, body: UpdateUserBody) =>
        auth.api<AdminUserResponse>(`/api/admin/users/${id}`, { method: "PATCH", json: body }),
      invites: () => auth.api<WorkspaceInvitesResponse>("/api/admin/invites"),
      createInvite: (body: CreateWorkspaceInviteBody) =>
        auth.api<CreateWorkspaceInviteResponse>("/api/admin/invites", { method: "POST", json: body }),
      revokeInvite: (id: string) => auth.api<void>(`/api/admin/invites/${id}`, { method: "DELETE" }),
      audit: (cursor?: string) => auth.api<AuditResponse>(`/api/admin/audit${q({ cursor })}`),
    },
  };
}
export type AccountApi = ReturnType<typeof createAccountApi>;
