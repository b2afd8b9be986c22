import {
  ACCESS_TOKEN_TTL_SECONDS,
  hashRefreshToken,
  newRefreshToken,
  signAccessToken,
  withTransaction,
} from "@messenger/common";
import type { AuthResponse, LoginBody, RegisterBody, Tokens } from "@messenger/protocol";
import { hash, verify } from "@node-rs/argon2";
import type { CoreDeps } from "../deps.js";
import { invalidCredentials, invalidRefreshToken, usernameTaken } from "../errors.js";
import type { UserRow } from "../store/index.js";
import { toUser } from "./users.js";

// @node-rs/argon2's Algorithm is a const enum (not usable under isolatedModules): 2 = Argon2id.
const ARGON2ID = 2;
// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
const ARGON = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function createAuthService(deps: CoreDeps) {
  const { db, stores, config, presence } = deps;
  // Verifying against a real hash when the user does not exist keeps both paths equally slow.
  const dummyHash = hash("not-a-real-password", ARGON);

  async function issue(user: UserRow, familyId: string | null): Promise<Tokens> {
    const accessToken = await signAccessToken(
      config.JWT_SECRET,
      { userId: user.id, username: user.username },
      ACCESS_TOKEN_TTL_SECONDS,
    );
    const refresh = newRefreshToken();
    await stores.refreshTokens.insert({
      userId: user.id,
      familyId,
      tokenHash: refresh.hash,
      ttlDays: config.REFRESH_TTL_DAYS,
    });
    return { accessToken, refreshToken: refresh.token };
  }

  async function withUser(user: UserRow, tokens: Tokens): Promise<AuthResponse> {
    const online = await presence.onlineAmong([user.id]);
    return { user: toUser(user, online.has(user.id)), ...tokens };
  }

  return {
    async register(body: RegisterBody): Promise<AuthResponse> {
      const passwordHash = await hash(body.password, ARGON);
      const user = await stores.users.insert({
        username: body.username,
        displayName: body.displayName ?? body.username,
        passwordHash,
      });
      if (!user) throw usernameTaken();
      return withUser(user, await issue(user, null));
    },

    async login(body: LoginBody): Promise<AuthResponse> {
      const user = await stores.users.findByUsername(body.username.toLowerCase());
      const ok = await verify(user?.password_hash ?? (await dummyHash), body.password).catch(() => false);
      if (!user || !ok) throw invalidCredentials();
      return withUser(user, await issue(user, null));
    },

    /**
     * Rotates: the presented token is revoked and a new one of the same family issued.
     * Presenting an already-rotated token means it was copied: the whole family is revoked.
     */
    async refresh(refreshToken: string): Promise<Tokens> {
      const outcome = await withTransaction(db, async (tx) => {
        const row = await stores.refreshTokens.findByHashForUpdate(hashRefreshToken(refreshToken), tx);
        if (!row) return { ok: false as const };
        if (row.revoked_at) {
          await stores.refreshTokens.revokeFamily(row.family_id, tx);
          return { ok: false as const };
        }
        if (row.expires_at.getTime() <= Date.now()) return { ok: false as const };
        await stores.refreshTokens.revoke(row.id, tx);
        return { ok: true as const, row };
      });
      if (!outcome.ok) throw invalidRefreshToken();
      const user = await stores.users.findById(outcome.row.user_id);
      if (!user) throw invalidRefreshToken();
      return issue(user, outcome.row.family_id);
    },

    /** Ends the session the refresh token belongs to (its whole family). */
    async logout(refreshToken: string | undefined): Promise<void> {
      if (!refreshToken) return;
      const row = await stores.refreshTokens.findByHash(hashRefreshToken(refreshToken));
      if (row) await stores.refreshTokens.revokeFamily(row.family_id);
    },
  };
}
export type AuthService = ReturnType<typeof createAuthService>;
