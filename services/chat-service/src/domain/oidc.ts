// Company sign-in with OpenID Connect (openid-client): authorization code + PKCE, state and nonce
// kept in a short-lived signed cookie, the ID token verified by the library (signature, issuer,
// audience = our client, nonce, expiry). Accounts are found by issuer + `sub`; the first sign-in
// makes one, as the sign-up policy allows (allowedEmailDomains, not when registration is closed).
import { randomBytes } from "node:crypto";
import { type Queryable } from "@messenger/common";
import type { AuthResponse } from "@messenger/protocol";
import { jwtVerify, SignJWT } from "jose";
import * as oidc from "openid-client";
import type { CoreDeps } from "../core-deps.js";
import { AppError, accountDeactivated } from "../errors.js";
import { USER_COLUMNS, type UserRow } from "../store/users.js";
import type { AuthService, Device } from "./auth.js";
import type { WorkspaceService } from "./workspace.js";

export const OIDC_FLOW_COOKIE = "oidc_flow";
const FLOW_TTL_SECONDS = 600;

export const oidcFailed = (message: string) => new AppError("oidc_failed", 400, message);

/** The provider's claims we use. */
interface Identity {
  sub: string;
  email: string | null;
  name: string | null;
  preferredUsername: string | null;
}

/** a-z, 0-9, '.', '_' and '-', 3–32 characters, from whatever the provider calls the person. */
export function usernameFrom(identity: Identity): string {
  const raw = identity.preferredUsername ?? identity.email?.split("@")[0] ?? identity.name ?? "user";
  const clean = raw
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9._-]+/g, ".")
    .replace(/^[._-]+|[._-]+$/g, "")
    .slice(0, 26);
  return clean.length >= 3 ? clean : `user.${clean}`.slice(0, 26);
}

export function createOidcService(deps: CoreDeps & { auth: AuthService; workspace: WorkspaceService }) {
  const { config, db, stores, workspace, auth } = deps;
  const secret = new TextEncoder().encode(config.JWT_SECRET);
  let discovered: Promise<oidc.Configuration> | null = null;

  const enabled = () => !!config.OIDC_ISSUER;

  /** Discovery once, again after a failure (the provider may have been down). */
  function configuration(): Promise<oidc.Configuration> {
    discovered ??= oidc
      .discovery(new URL(config.OIDC_ISSUER!), config.OIDC_CLIENT_ID, config.OIDC_CLIENT_SECRET, undefined, {
        timeout: Math.ceil(config.OIDC_TIMEOUT_MS / 1000),
        ...(config.OIDC_ALLOW_HTTP ? { execute: [oidc.allowInsecureRequests] } : {}),
      })
      .catch((err: unknown) => {
        discovered = null;
        throw err;
      });
    return discovered;
  }

  /** The account of this identity, made on first sign-in. */
  async function accountFor(identity: Identity, device: Device): Promise<UserRow> {
    const issuer = config.OIDC_ISSUER!;
    const found = await db.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users WHERE oidc_issuer = $1 AND oidc_subject = $2`,
      [issuer, identity.sub],
    );
    if (found.rows[0]) return found.rows[0];
    const base = usernameFrom(identity);
    const link = async (tx: Queryable, user: UserRow) => {
      await tx.query("UPDATE users SET oidc_issuer = $2, oidc_subject = $3 WHERE id = $1", [
        user.id,
        issuer,
        identity.sub,
      ]);
    };
    // A taken username gets a short suffix; the account itself is made once (issuer + sub is unique).
    for (let attempt = 0; ; attempt++) {
      const username = attempt === 0 ? base : `${base}.${randomBytes(2).toString("hex")}`;
      try {
        return await auth.createAccount(
          (tx) => workspace.admitProvisioned(tx, identity.email),
          {
            username,
            displayName: (identity.name ?? username).slice(0, 64),
            // Not an argon2 hash: no password verifies against it (company sign-in only).
            passwordHash: "!oidc",
          },
          device,
          link,
        );
      } catch (err) {
        if (!(err instanceof AppError && err.code === "username_taken") || attempt >= 5) throw err;
      }
    }
  }

  return {
    enabled,
    displayName: () => config.OIDC_DISPLAY_NAME,

    /** Where to send the browser, and the cookie that proves the answer belongs to this start. */
    async start(redirectUri: string): Promise<{ url: string; cookie: string }> {
      if (!enabled()) throw oidcFailed("company sign-in is not set up");
      const cfg = await configuration();
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(cfg, {
        redirect_uri: redirectUri,
        scope: "openid email profile",
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        state,
        nonce,
      });
      const cookie = await new SignJWT({ verifier, state, nonce, redirectUri })
        .setProtectedHeader({ alg: "HS256" })
        .setAudience("oidc-flow")
        .setExpirationTime(`${FLOW_TTL_SECONDS}s`)
        .sign(secret);
      return { url: url.href, cookie };
    },

    /** The provider sent the browser back: check everything, then sign the person in. */
    async callback(currentUrl: URL, cookie: string | undefined, device: Device): Promise<AuthResponse> {
      if (!enabled()) throw oidcFailed("company sign-in is not set up");
      if (!cookie) throw oidcFailed("the sign-in took too long or started in another browser; try again");
      let flow: { verifier: string; state: string; nonce: string; redirectUri: string };
      try {
        flow = (await jwtVerify(cookie, secret, { audience: "oidc-flow" })).payload as typeof flow;
      } catch {
        throw oidcFailed("the sign-in took too long; try again");
      }
      const cfg = await configuration();
      // The provider answers to the registered redirect URI, whatever host the request came in on.
      const answered = new URL(flow.redirectUri);
      answered.search = currentUrl.search;
      let claims: Record<string, unknown> & { sub: string };
      try {
        const tokens = await oidc.authorizationCodeGrant(cfg, answered, {
          pkceCodeVerifier: flow.verifier,
          expectedState: flow.state,
          expectedNonce: flow.nonce,
          idTokenExpected: true,
        });
        const idToken = tokens.claims();
        if (!idToken) throw new Error("the provider sent no ID token");
        // Providers often keep email and profile out of the ID token: the userinfo endpoint has them
        // (for the same `sub`, which the library checks).
        const info = await oidc.fetchUserInfo(cfg, tokens.access_token, idToken.sub);
        claims = { ...info, ...idToken };
      } catch (err) {
        deps.log.warn({ err }, "company sign-in refused");
        throw oidcFailed((err as Error).message);
      }
      const identity: Identity = {
        sub: claims.sub,
        // An address the provider has not verified proves nothing about the domain.
        email: claims.email_verified === true && typeof claims.email === "string" ? claims.email : null,
        name: typeof claims.name === "string" ? claims.name : null,
        preferredUsername: typeof claims.preferred_username === "string" ? claims.preferred_username : null,
      };
      const user = await accountFor(identity, device);
      if (user.deactivated_at) throw accountDeactivated();
      const fresh = (await stores.users.findById(user.id)) ?? user;
      return auth.signIn(fresh, device);
    },
  };
}
export type OidcService = ReturnType<typeof createOidcService>;
