import { hashRefreshToken, type Queryable } from "@messenger/common";
import type { AuthOptionsResponse, UpdateSettingsBody, WorkspaceSettings } from "@messenger/protocol";
import type { CoreDeps } from "../core-deps.js";
import { emailDomainNotAllowed, inviteInvalid, registrationClosed } from "../errors.js";
import type { UserRow, WorkspaceSettingsRow } from "../store/index.js";

/** Who a new account will be: its role, its email, and the invite it used up. */
export interface Admission {
  role: UserRow["role"];
  email: string | null;
  inviteId: string | null;
}

export const domainOf = (email: string) => email.slice(email.lastIndexOf("@") + 1).toLowerCase();

/** The sign-up policy and the workspace's settings. */
export function createWorkspaceService(deps: Pick<CoreDeps, "stores" | "config">) {
  const { stores, config } = deps;

  const effective = (row: WorkspaceSettingsRow): WorkspaceSettings => ({
    registration: row.registration ?? config.REGISTRATION,
    allowedEmailDomains: row.allowed_email_domains,
    passwordLogin: row.password_login,
  });

  const domainAllowed = (s: WorkspaceSettings, email: string | null) =>
    s.allowedEmailDomains.length === 0 || (email !== null && s.allowedEmailDomains.includes(domainOf(email)));

  return {
    async settings(q?: Queryable): Promise<WorkspaceSettings> {
      return effective(await stores.workspace.get(q));
    },

    async update(body: UpdateSettingsBody, by: string, q?: Queryable): Promise<WorkspaceSettings> {
      return effective(await stores.workspace.update(body, by, q));
    },

    async authOptions(): Promise<AuthOptionsResponse> {
      const s = effective(await stores.workspace.get());
      // Before there is an owner, the first visitor may create the workspace.
      const registration = (await stores.people.hasOwner()) ? s.registration : "open";
      return { registration, passwordLogin: s.passwordLogin, oidc: null };
    },

    /** Refuses early (before hashing a password) what admit() would refuse anyway. */
    async precheck(inviteCode: string | undefined): Promise<void> {
      if (!(await stores.people.hasOwner())) return;
      const s = effective(await stores.workspace.get());
      if (s.registration === "closed") throw registrationClosed();
      if (s.registration === "invite" && !inviteCode) throw inviteInvalid("registration here needs an invite link");
    },

    /**
     * Decides, inside the registering transaction (sign-ups are serialised by the settings row's
     * lock), whether an account may be made and as whom: the first one owns the workspace; then the
     * policy applies, an invite is used up, and without one the email domain must be allowed.
     */
    async admit(tx: Queryable, req: { inviteCode?: string; email?: string | null }): Promise<Admission> {
      const s = effective(await stores.workspace.lock(tx));
      const email = req.email ?? null;
      if (!(await stores.people.hasOwner(tx))) return { role: "owner", email, inviteId: null };
      if (s.registration === "closed") throw registrationClosed();
      const invite = req.inviteCode ? await stores.invites.claim(hashRefreshToken(req.inviteCode), tx) : null;
      if (req.inviteCode && !invite) throw inviteInvalid();
      if (invite) {
        if (invite.email && email && invite.email.toLowerCase() !== email.toLowerCase())
          throw inviteInvalid("that invite is for another email address");
        return { role: invite.role, email: invite.email ?? email, inviteId: invite.id };
      }
      if (s.registration === "invite") throw inviteInvalid("registration here needs an invite link");
      if (!domainAllowed(s, email)) throw emailDomainNotAllowed();
      return { role: "member", email, inviteId: null };
    },

    /** Company sign-in: may a new account with this (verified) email be made without an invite? */
    async admitProvisioned(tx: Queryable, email: string | null): Promise<Admission> {
      const s = effective(await stores.workspace.lock(tx));
      if (!(await stores.people.hasOwner(tx))) return { role: "owner", email, inviteId: null };
      if (s.registration === "closed") throw registrationClosed();
      if (!domainAllowed(s, email)) throw emailDomainNotAllowed();
      return { role: "member", email, inviteId: null };
    },
  };
}
export type WorkspaceService = ReturnType<typeof createWorkspaceService>;
