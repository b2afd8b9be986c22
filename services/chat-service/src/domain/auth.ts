import {
  ACCESS_TOKEN_TTL_SECONDS,
  hashRefreshToken,
  newRefreshToken,
  type Queryable,
  signAccessToken,
  withTransaction,
} from "@messenger/common";
import type { AuthResponse, LoginBody, RegisterBody, Tokens } from "@messenger/protocol";
import type { CoreDeps } from "../core-deps.js";
import {
  accountDeactivated,
  emailTaken,
  invalidCredentials,
  invalidRefreshToken,
  passwordLoginDisabled,
  usernameTaken,
} from "../errors.js";
import type { UserRow } from "../store/index.js";
import { requireStrongPassword } from "./password-strength.js";
import { hashPassword, verifyPassword } from "./passwords.js";
import { toUser } from "./users.js";
import type { Admission, WorkspaceService } from "./workspace.js";

/** Where a sign-in comes from (kept with its session, for the owner's list of devices). */
export interface Device {
  userAgent: string | null;
  ip: string | null;
}

export function createAuthService(deps: CoreDeps & { workspace: WorkspaceService }) {
  const { db, stores, config, presence, sessions, hub, workspace } = deps;

  async function issue(user: UserRow, sessionId: string): Promise<Tokens> {
    const accessToken = await signAccessToken(
      config.JWT_SECRET,
      { userId: user.id, username: user.username, sessionId },
      ACCESS_TOKEN_TTL_SECONDS,
    );
    const refresh = newRefreshToken();
    await stores.refreshTokens.insert({
      userId: user.id,
      familyId: sessionId,
      tokenHash: refresh.hash,
      ttlDays: config.REFRESH_TTL_DAYS,
    });
    return { accessToken, refreshToken: refresh.token };
  }

  async function signIn(user: UserRow, device: Device): Promise<AuthResponse> {
    const sessionId = await stores.sessions.insert({ userId: user.id, ...device });
    const tokens = await issue(user, sessionId);
    const online = await presence.onlineAmong([user.id]);
    return { user: toUser(user, online.has(user.id)), ...tokens };
  }

  /** Makes an account as `admit` decides (in the transaction that serialises sign-ups), audited. */
  async function createAccount(
    admit: (tx: Queryable) => Promise<Admission>,
    u: { username: string; displayName: string; passwordHash: string },
    device: Device,
    extra: (tx: Queryable, user: UserRow) => Promise<void> = async () => {},
  ): Promise<UserRow> {
    return withTransaction(db, async (tx) => {
      const admission = await admit(tx);
      if (admission.email && (await stores.people.findByEmail(admission.email, tx))) throw emailTaken();
      const user = await stores.users.insert({ ...u, role: admission.role, email: admission.email }, tx);
      if (!user) throw usernameTaken();
      if (admission.inviteId) await stores.invites.markUsedBy(admission.inviteId, user.id, tx);
      await extra(tx, user);
      await stores.audit.record(
        {
          action: "user_registered",
          actorId: user.id,
          targetUserId: user.id,
          ip: device.ip,
          details: { role: admission.role, invite: admission.inviteId },
        },
        tx,
      );
      return user;
    });
  }

  /** Ends a session everywhere: its refresh tokens, its access tokens and its open sockets (every instance). */
  async function endSession(sessionId: string): Promise<void> {
    await stores.sessions.revoke(sessionId);
    sessions.forget({ sessionId });
    hub.endSession(sessionId);
  }

  return {
    /** `admit` runs once the request is known to be acceptable, before any work (e.g. a rate limit). */
    async register(body: RegisterBody, device: Device, admit: () => Promise<void> = async () => {}) {
      await workspace.precheck(body.inviteCode);
      await requireStrongPassword(body.password, [body.username, body.displayName ?? ""]);
      await admit();
      const passwordHash = await hashPassword(body.password);
      const user = await createAccount(
        (tx) => workspace.admit(tx, { inviteCode: body.inviteCode, email: body.email }),
        { username: body.username, displayName: body.displayName ?? body.username, passwordHash },
        device,
      );
      return signIn(user, device);
    },

    async login(body: LoginBody, device: Device): Promise<AuthResponse> {
      const user = await stores.users.findByUsername(body.username.toLowerCase());
      const ok = await verifyPassword(user?.password_hash, body.password);
      if (!user || !ok) {
        // Failed logins of real accounts are kept per account for the admins (audit log).
        if (user)
          await stores.audit
            .record({ action: "login_failed", targetUserId: user.id, ip: device.ip })
            .catch((err: unknown) => deps.log.warn({ err }, "could not audit a failed login"));
        throw invalidCredentials();
      }
      // Only someone who knows the password learns the account was deactivated.
      if (user.deactivated_at) throw accountDeactivated();
      // The owner's password stays a way in (break-glass) when company sign-in is the rule.
      if (user.role !== "owner" && !(await workspace.settings()).passwordLogin) throw passwordLoginDisabled();
      return signIn(user, device);
    },

    signIn,
    createAccount,
    endSession,

    /**
     * Rotates: the presented token is revoked and a new one of the same session issued.
     * Presenting an already-rotated token means it was copied: the whole session ends.
     */
    async refresh(refreshToken: string): Promise<Tokens> {
      const outcome = await withTransaction(db, async (tx) => {
        const row = await stores.refreshTokens.findByHashForUpdate(hashRefreshToken(refreshToken), tx);
        if (!row) return { ok: false as const };
        if (row.revoked_at) return { ok: false as const, stolen: row.family_id };
        if (row.expires_at.getTime() <= Date.now()) return { ok: false as const };
        if (!(await stores.sessions.isActive(row.family_id, tx))) return { ok: false as const };
        await stores.refreshTokens.revoke(row.id, tx);
        await stores.sessions.touch(row.family_id, tx);
        return { ok: true as const, row };
      });
      if (!outcome.ok) {
        if (outcome.stolen) await endSession(outcome.stolen);
        throw invalidRefreshToken();
      }
      const user = await stores.users.findById(outcome.row.user_id);
      if (!user || user.deactivated_at) throw invalidRefreshToken();
      return issue(user, outcome.row.family_id);
    },

    /** Ends the session the refresh token belongs to. */
    async logout(refreshToken: string | undefined): Promise<void> {
      if (!refreshToken) return;
      const row = await stores.refreshTokens.findByHash(hashRefreshToken(refreshToken));
      if (row) await endSession(row.family_id);
    },
  };
}
export type AuthService = ReturnType<typeof createAuthService>;
