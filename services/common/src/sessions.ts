import type { Queryable } from "./db.js";
import { type AccessClaims, type VerifiedClaims, verifyAccessToken } from "./tokens.js";

export interface SessionGate {
  /**
   * The one check of an access token, for every HTTP request and socket of both services: signed with
   * the secret and not expired, its user still exists and is active, and its session (when it names
   * one) is not revoked. The last two are cached for `cacheMs`, so a request costs no query most of the
   * time and a change elsewhere (another instance, an operator's SQL) is seen within that time.
   */
  verify(token: string | undefined): Promise<VerifiedClaims | null>;
  /** Of these sessions and session-less users, the ones still active (one query, uncached). */
  activeAmong(keys: readonly AccessClaims[]): Promise<Set<string>>;
  /** Forget what is cached about a session or user that just changed here. */
  forget(key: { sessionId?: string; userId?: string }): void;
}

/** The cache key of a token's session (or, for a token without one, of its user). */
export const sessionKeyOf = (c: AccessClaims) => c.sessionId ?? `user:${c.userId}`;

const MAX_CACHED = 50_000;

export function createSessionGate(db: Queryable, opts: { secret: string; cacheMs: number }): SessionGate {
  const cache = new Map<string, { active: boolean; userId: string; until: number }>();

  async function activeAmong(keys: readonly AccessClaims[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const sessionIds = keys.flatMap((k) => (k.sessionId ? [k.sessionId] : []));
    const userIds = keys.flatMap((k) => (k.sessionId ? [] : [k.userId]));
    const r = await db.query<{ key: string; user_id: string }>(
      `SELECT s.id::text AS key, s.user_id::text AS user_id FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = ANY($1::uuid[]) AND s.revoked_at IS NULL AND u.deactivated_at IS NULL
       UNION ALL
       SELECT 'user:' || u.id, u.id::text FROM users u WHERE u.id = ANY($2::uuid[]) AND u.deactivated_at IS NULL`,
      [sessionIds, userIds],
    );
    // A session must belong to the token's user: a token naming someone else's session is not active.
    const owners = new Map(keys.map((k) => [sessionKeyOf(k), k.userId]));
    const active = new Set(r.rows.filter((row) => owners.get(row.key) === row.user_id).map((row) => row.key));
    return active;
  }

  async function isActive(claims: AccessClaims): Promise<boolean> {
    const key = sessionKeyOf(claims);
    const hit = cache.get(key);
    if (hit && hit.until > Date.now() && hit.userId === claims.userId) return hit.active;
    const active = (await activeAmong([claims])).has(key);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, { active, userId: claims.userId, until: Date.now() + opts.cacheMs });
    return active;
  }

  return {
    async verify(token) {
      const claims = await verifyAccessToken(opts.secret, token);
      if (!claims || claims.expiresAt <= Date.now()) return null;
      return (await isActive(claims)) ? claims : null;
    },
    activeAmong,
    forget({ sessionId, userId }) {
      if (sessionId) cache.delete(sessionId);
      if (userId) for (const [key, v] of cache) if (v.userId === userId) cache.delete(key);
    },
  };
}
