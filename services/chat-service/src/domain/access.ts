import type { Queryable } from "@messenger/common";
import { forbidden, notFound } from "../errors.js";
import type { MemberRow, Stores } from "../store/index.js";

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
