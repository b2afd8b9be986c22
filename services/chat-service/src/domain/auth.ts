import {
  ACCESS_TOKEN_TTL_SECONDS,
  hashRefreshToken,
  newRefreshToken,
  signAccessToken,
  withTransaction,
} from "@messenger/common";
import type { AuthResponse, LoginBody, RegisterBody, Tokens } from "@messenger/protocol";
import { hash, verify } from "@node-rs/argon2";
import type { CoreDeps } from "../core-deps.js";
import { invalidCredentials, invalidRefreshToken, usernameTaken } from "../errors.js";
import type { UserRow } from "../store/index.js";
import { requireStrongPassword } from "./password-strength.js";
import { toUser } from "./users.js";

// @node-rs/argon2's Algorithm is a const enum (not usable under isolatedModules): 2 = Argon2id.
const ARGON2ID = 2;
// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
const ARGON = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Where a sign-in comes from (kept with its session, for the owner's list of devices). */
export interface Device {
  userAgent: string | null;
  ip: string | null;
}

export function createAuthService(deps: CoreDeps) {
  const { db, stores, config, presence, sessions, hub } = deps;
  // Verifying against a real hash when the user does not exist keeps both paths equally slow.
  const dummyHash = hash("not-a-real-password", ARGON);

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

  /** Ends a session everywhere: its refresh tokens, its access tokens and its open sockets (every instance). */
  async function endSession(sessionId: string): Promise<void> {
    await stores.sessions.revoke(sessionId);
    sessions.forget({ sessionId });
    hub.endSession(sessionId);
  }

  return {
    /** `admit` runs once the request is known to be acceptable, before any work (e.g. a rate limit). */
    async register(body: RegisterBody, device: Device, admit: () => Promise<void> = async () => {}) {
      await requireStrongPassword(body.password, [body.username, body.displayName ?? ""]);
      await admit();
      const passwordHash = await hash(body.password, ARGON);
      const user = await stores.users.insert({
        username: body.username,
        displayName: body.displayName ?? body.username,
        passwordHash,
      });
      if (!user) throw usernameTaken();
      return signIn(user, device);
    },

    async login(body: LoginBody, device: Device): Promise<AuthResponse> {
      const user = await stores.users.findByUsername(body.username.toLowerCase());
      const ok = await verify(user?.password_hash ?? (await dummyHash), body.password).catch(() => false);
      // A deactivated account answers like a wrong password: nobody learns it exists.
      if (!user || !ok || user.deactivated_at) throw invalidCredentials();
      return signIn(user, device);
    },

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
