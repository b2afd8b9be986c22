import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";

export interface JitsiSettings {
  /** Public host of the Jitsi deployment, e.g. `meet.example.com` (also the token's `sub`). */
  domain: string;
  appId: string;
  appSecret: string;
}

/** Audience Prosody's token_verification is told to accept (`JWT_ACCEPTED_AUDIENCES`). */
export const JITSI_AUDIENCE = "jitsi";

export interface JitsiUser {
  id: string;
  name: string;
  avatar?: string | null;
  email?: string | null;
}

/**
 * 128 random bits, lowercase hex: unguessable, and unchanged by Prosody, which
 * lowercases room names before comparing them with the token's `room`.
 */
export function newRoomName(): string {
  return randomBytes(16).toString("hex");
}

/** `https://meet.example.com/<room>` — no token in it, so it can be broadcast. */
export function meetingUrl(domain: string, roomName: string): string {
  const base = /^https?:\/\//.test(domain) ? domain.replace(/\/+$/, "") : `https://${domain}`;
  return `${base}/${roomName}`;
}

/** The bare host, whatever form JITSI_DOMAIN was given in. */
export function jitsiHost(domain: string): string {
  return domain.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
}

/**
 * A Jitsi token (HS256) for one user and one room. With ENABLE_AUTO_OWNER=false and
 * the token_affiliation Prosody module, `affiliation: "owner"` is what makes the
 * meeting's starter — and only them — a moderator. Every context.user field is a
 * string, as Prosody's modules expect.
 */
export async function signJitsiToken(
  jitsi: JitsiSettings,
  opts: { roomName: string; user: JitsiUser; owner: boolean; expiresAt: Date },
): Promise<string> {
  return new SignJWT({
    room: opts.roomName,
    context: {
      user: {
        id: opts.user.id,
        name: opts.user.name,
        avatar: opts.user.avatar ?? "",
        email: opts.user.email ?? "",
        affiliation: opts.owner ? "owner" : "member",
        // Newer Jitsi builds read this flag instead; keep both in agreement.
        moderator: opts.owner ? "true" : "false",
      },
    },
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(jitsi.appId)
    .setAudience(JITSI_AUDIENCE)
    .setSubject(jitsiHost(jitsi.domain))
    .setIssuedAt()
    .setNotBefore(Math.floor(Date.now() / 1000) - 10)
    .setExpirationTime(Math.floor(opts.expiresAt.getTime() / 1000))
    .sign(new TextEncoder().encode(jitsi.appSecret));
}
