import type { Queryable } from "@messenger/common";
import { forbidden, notFound } from "../errors.js";
import type { MemberRow, Stores, UserRow } from "../store/index.js";

/**
 * The access rules, used by every route and socket handler. A conversation the
 * caller is not a member of answers exactly like one that does not exist (404),
 * so ids reveal nothing.
 */
export function createAccess(stores: Stores) {
  const access = {
    async requireMember(conversationId: string, userId: string, q?: Queryable): Promise<MemberRow> {
      const member = await stores.conversations.findMember(conversationId, userId, q);
      if (!member) throw notFound("conversation");
      return member;
    },
    async requireAdmin(conversationId: string, userId: string, q?: Queryable): Promise<MemberRow> {
      const member = await access.requireMember(conversationId, userId, q);
      if (member.role !== "admin") throw forbidden("only a group admin may do that");
      return member;
    },
    /** Admin routes: the owner and admins; everyone else gets 403. */
    async requireWorkspaceAdmin(userId: string, q?: Queryable): Promise<UserRow> {
      const user = await stores.users.findById(userId, q);
      if (!user || (user.role !== "owner" && user.role !== "admin"))
        throw forbidden("only an administrator may do that");
      return user;
    },
    /** Guests may not browse the workspace (the directory, channels): 403. */
    async requireNotGuest(userId: string, q?: Queryable): Promise<UserRow> {
      const user = await stores.users.findById(userId, q);
      if (!user || user.role === "guest") throw forbidden("guests see only the conversations they were added to");
      return user;
    },
    /**
     * The people of `ids` the viewer may see: a guest only those they share a conversation with, and
     * nobody sees deactivated accounts as new contacts. Unknown and hidden ids are simply absent.
     */
    async visibleUsers(viewerId: string, ids: readonly string[], q?: Queryable): Promise<UserRow[]> {
      const unique = [...new Set(ids)];
      const [viewer, rows] = await Promise.all([stores.users.findById(viewerId, q), stores.users.findByIds(unique, q)]);
      const active = rows.filter((r) => !r.deactivated_at);
      if (viewer?.role !== "guest") return active;
      const contacts = await stores.people.contactsAmong(viewerId, unique, q);
      return active.filter((r) => contacts.has(r.id) || r.id === viewerId);
    },
    /** A message is visible exactly when its conversation is. */
    async requireMessage(messageId: string, userId: string, q?: Queryable) {
      const message = await stores.messages.findById(messageId, q);
      if (!message) throw notFound("message");
      const member = await stores.conversations.findMember(message.conversation_id, userId, q);
      if (!member) throw notFound("message");
      return { message, member };
    },
  };
  return access;
}
export type Access = ReturnType<typeof createAccess>;
