import { createHmac } from "node:crypto";
import type { IceServer, IceServersResponse } from "@messenger/protocol";

export interface TurnSettings {
  /** coturn's `static-auth-secret`. */
  secret: string;
  /** `turn:` / `turns:` URLs as browsers should use them, e.g. `turn:turn.example.com:3478?transport=udp`. */
  urls: string[];
  ttlSeconds: number;
}

/**
 * coturn's TURN REST credential (`use-auth-secret`): the username carries its own
 * expiry, the password is base64(HMAC-SHA1(secret, username)). coturn recomputes it,
 * so nothing is stored and an expired or forged pair is refused with 401.
 */
export function turnCredential(
  secret: string,
  userId: string,
  ttlSeconds: number,
  nowMs = Date.now(),
): { username: string; credential: string; expiresAt: number } {
  const expiresAt = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiresAt}:${userId}`;
  const credential = createHmac("sha1", secret).update(username).digest("base64");
  return { username, credential, expiresAt };
}

/** `stun:host:port` for every distinct TURN host — coturn answers STUN on its TURN ports. */
export function stunUrlsFor(turnUrls: string[]): string[] {
  const out = new Set<string>();
  for (const url of turnUrls) {
    const m = /^turn:([^?]+)/.exec(url);
    if (m) out.add(`stun:${m[1]}`);
  }
  return [...out];
}

/** What `GET /api/calls/ice-servers` answers for one user. */
export function iceServersFor(turn: TurnSettings, userId: string, nowMs = Date.now()): IceServersResponse {
  const iceServers: IceServer[] = [];
  const stun = stunUrlsFor(turn.urls);
  if (stun.length > 0) iceServers.push({ urls: stun });
  if (turn.urls.length > 0) {
    const { username, credential } = turnCredential(turn.secret, userId, turn.ttlSeconds, nowMs);
    iceServers.push({ urls: turn.urls, username, credential });
  }
  return { iceServers, ttlSeconds: turn.ttlSeconds };
}
