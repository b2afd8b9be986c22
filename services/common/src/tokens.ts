import { createHash, randomBytes } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const ISSUER = "staff-messenger";

export interface AccessClaims {
  userId: string;
  username: string;
  /** The sign-in (refresh-token family) the token was issued for; logging out or revoking it ends the token too. */
  sessionId?: string;
}

export interface VerifiedClaims extends AccessClaims {
  /** When the token stops being valid (ms since the epoch). */
  expiresAt: number;
}

const keyOf = (secret: string) => new TextEncoder().encode(secret);

/** Short-lived HS256 access token shared by chat-service and media-service. */
export async function signAccessToken(
  secret: string,
  claims: AccessClaims,
  ttlSeconds = ACCESS_TOKEN_TTL_SECONDS,
): Promise<string> {
  return new SignJWT({
    username: claims.username,
    typ: "access",
    ...(claims.sessionId ? { sid: claims.sessionId } : {}),
  })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(claims.userId)
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(keyOf(secret));
}

/** Returns the claims, or null for a missing, forged or expired token. */
export async function verifyAccessToken(secret: string, token: string | undefined): Promise<VerifiedClaims | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), { issuer: ISSUER, algorithms: ["HS256"] });
    if (payload.typ !== "access" || typeof payload.sub !== "string" || typeof payload.username !== "string") {
      return null;
    }
    if (payload.sid !== undefined && typeof payload.sid !== "string") return null;
    return {
      userId: payload.sub,
      username: payload.username,
      ...(payload.sid ? { sessionId: payload.sid } : {}),
      expiresAt: (payload.exp ?? 0) * 1000,
    };
  } catch {
    return null;
  }
}

/** Opaque random refresh token and the hash under which it is stored. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Name of the httpOnly cookie carrying the access token, so `<img src>` works for media. */
export const ACCESS_COOKIE = "access_token";

/** Pulls the access token from `Authorization: Bearer` or, failing that, the cookie. */
export function tokenFromRequest(headers: { authorization?: string; cookie?: string }): string | undefined {
  const auth = headers.authorization;
  if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
  const cookie = headers.cookie;
  if (!cookie) return undefined;
  for (const part of cookie.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === ACCESS_COOKIE) return decodeURIComponent(rest.join("="));
  }
  return undefined;
}
