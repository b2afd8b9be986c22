import { withTransaction } from "@messenger/common";
import type { ChangePasswordBody, MeResponse, SessionsResponse, UpdateMe, User } from "@messenger/protocol";
import type { CoreDeps } from "../core-deps.js";
import { notFound, unauthorized, wrongPassword } from "../errors.js";
import type { UserRow } from "../store/index.js";
import { requireStrongPassword } from "./password-strength.js";
import { hashPassword, verifyPassword } from "./passwords.js";
import { toUsers } from "./users.js";

/**
 * A person's own account: their profile (which everyone sharing a conversation with them hears
 * about, live), their password and their signed-in devices.
 */
export function createAccountService(deps: CoreDeps) {
  const { db, stores, hub, presence, sessions } = deps;

  async function userOf(row: UserRow): Promise<User> {
    return (await toUsers([row], presence))[0]!;
  }

  /** After commit: everyone who shares a conversation with the user, and the user's own devices. */
  async function publishUser(userId: string): Promise<User | null> {
    const row = await stores.users.findById(userId);
    if (!row) return null;
    const user = await userOf(row);
    const conversations = await stores.conversations.conversationIdsOf(userId);
    hub.toConversations(conversations, { andUsers: [userId] }).emit("user:updated", user);
    return user;
  }

  /** Ends these sessions everywhere: their tokens are refused and their sockets closed on every instance. */
  function ended(sessionIds: readonly string[]) {
    for (const id of sessionIds) {
      sessions.forget({ sessionId: id });
      hub.endSession(id);
    }
  }

  const meOf = async (row: UserRow): Promise<MeResponse> => ({
    user: await userOf(row),
    profile: { email: row.email, dndUntil: row.dnd_until ? row.dnd_until.toISOString() : null },
  });

  return {
    publishUser,
    endSessions: ended,

    async me(userId: string): Promise<MeResponse> {
      const row = await stores.users.findById(userId);
      if (!row) throw unauthorized("account no longer exists");
      return meOf(row);
    },

    async updateMe(userId: string, body: UpdateMe): Promise<MeResponse> {
      // An empty status is no status.
      const status = body.status && !body.status.emoji && !body.status.text ? null : body.status;
      const row = await stores.people.updateProfile(userId, {
        ...(body.displayName !== undefined ? { displayName: body.displayName } : {}),
        ...(status !== undefined ? { status } : {}),
        ...(body.dndUntil !== undefined ? { dndUntil: body.dndUntil } : {}),
        ...(body.timeZone !== undefined ? { timeZone: body.timeZone } : {}),
      });
      if (!row) throw unauthorized("account no longer exists");
      await publishUser(userId);
      return meOf(row);
    },

    /** Every other session ends (the other devices must sign in with the new password). */
    async changePassword(
      userId: string,
      currentSessionId: string | undefined,
      body: ChangePasswordBody,
      ip: string | null,
    ): Promise<void> {
      const row = await stores.users.findById(userId);
      if (!row) throw unauthorized("account no longer exists");
      if (!(await verifyPassword(row.password_hash, body.current))) throw wrongPassword();
      await requireStrongPassword(body.next, [row.username, row.display_name]);
      const passwordHash = await hashPassword(body.next);
      const revoked = await withTransaction(db, async (tx) => {
        await stores.people.setPasswordHash(userId, passwordHash, tx);
        const ids = await stores.sessions.revokeAllOf(userId, currentSessionId ?? null, tx);
        await stores.audit.record(
          {
            action: "password_changed",
            actorId: userId,
            targetUserId: userId,
            ip,
            details: { sessionsEnded: ids.length },
          },
          tx,
        );
        return ids;
      });
      ended(revoked);
    },

    async sessions(userId: string, currentSessionId: string | undefined): Promise<SessionsResponse> {
      const rows = await stores.sessions.listActive(userId);
      return {
        sessions: rows.map((s) => ({
          id: s.id,
          userAgent: s.user_agent,
          ip: s.ip,
          createdAt: s.created_at.toISOString(),
          lastUsedAt: s.last_used_at.toISOString(),
          current: s.id === currentSessionId,
        })),
      };
    },

    /** Another device of mine signs out; someone else's session id answers 404. */
    async endSession(userId: string, sessionId: string): Promise<void> {
      if (!(await stores.sessions.isActiveOf(sessionId, userId))) throw notFound("session");
      await stores.sessions.revoke(sessionId);
      ended([sessionId]);
    },

    /** Every session of the user, this one too. */
    async logoutAll(userId: string, ip: string | null): Promise<void> {
      const ids = await withTransaction(db, async (tx) => {
        const revoked = await stores.sessions.revokeAllOf(userId, null, tx);
        await stores.audit.record(
          { action: "sessions_revoked", actorId: userId, targetUserId: userId, ip, details: { count: revoked.length } },
          tx,
        );
        return revoked;
      });
      ended(ids);
    },
  };
}
export type AccountService = ReturnType<typeof createAccountService>;
