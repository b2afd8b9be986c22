// Which conversations I am in: the list as the server has it (never bringing back one I just left or
// was removed from), the server's `conversation:updated` / `conversation:removed`, starting a DM or a
// group, adding and removing members, leaving.
import type { Conversation, Visibility } from "@messenger/protocol";
import type { ChatApi } from "./api";
import type { ChatSocket } from "./socket";
import type { ChatStores, MembershipNotice } from "./stores";

/**
 * The server's `c`, but with the live activity of `known` (what we had) when that is newer: the
 * server read it before some live events we have already applied.
 */
export function withNewerActivity(c: Conversation, known: Conversation | undefined): Conversation {
  if (!known || known.lastSeq <= c.lastSeq) return c;
  const { lastSeq, lastMessage, lastActivityAt, unreadCount, mentionCount } = known;
  return { ...c, lastSeq, lastMessage, lastActivityAt, unreadCount, mentionCount };
}

export function createMembership(deps: {
  socket: ChatSocket;
  api: ChatApi;
  stores: Pick<ChatStores, "conversations" | "messages" | "presence" | "focus" | "active" | "membershipNotice">;
  me: () => string;
  /** A conversation I am no longer in: nothing of it may wait to be sent (outbox.ts). */
  forgetSends: (cid: string) => void;
}) {
  const { socket, api, me } = deps;
  const { conversations, messages, presence, focus, active, membershipNotice } = deps.stores;
  /** Conversations I am leaving right now: the server's `conversation:removed` then means "left". */
  const leaving = new Set<string>();
  /**
   * Conversations forgotten (left or removed), numbered in order: a list the server read before
   * that (a reload in flight during the removal) must not bring them back.
   */
  let forgettings = 0;
  const forgottenAt = new Map<string, number>();

  socket.on("conversation:updated", (c) => applyConversation(c));
  socket.on("conversation:notifications", ({ conversationId, notifications }) => {
    const c = conversations.byId(conversationId);
    if (c) conversations.upsert({ ...c, notifications });
  });
  socket.on("conversation:removed", ({ conversationId }) =>
    forget(conversationId, leaving.has(conversationId) ? "left" : "removed"),
  );

  /** The server's view of a conversation (members, roles); live activity we already applied is kept. */
  function applyConversation(c: Conversation) {
    conversations.upsert(withNewerActivity(c, conversations.byId(c.id)));
    presence.seed([c]);
  }

  /** No longer a member: the server no longer shows me this conversation, so neither do we. */
  function forget(cid: string, reason: MembershipNotice["reason"]) {
    forgottenAt.set(cid, ++forgettings);
    const c = conversations.byId(cid);
    deps.forgetSends(cid);
    conversations.remove(cid);
    messages.remove(cid);
    if (focus.get()?.conversationId === cid) focus.set(null);
    if (active.get() === cid) {
      active.set(null);
      if (c) membershipNotice.set({ conversationId: cid, title: c.title ?? "", reason });
    }
  }

  /** An admin removes someone, or (my own id) I leave: then the conversation is gone for me. */
  async function removeMember(cid: string, userId: string): Promise<void> {
    const self = userId === me();
    if (self) leaving.add(cid);
    try {
      await api.removeMember(cid, userId);
    } finally {
      if (self) leaving.delete(cid);
    }
    if (self) return forget(cid, "left");
    // The server's conversation:updated follows with the full picture; show the change at once.
    const c = conversations.byId(cid);
    if (c) {
      const members = c.members.filter((m) => m.user.id !== userId);
      conversations.upsert({ ...c, members, memberCount: c.memberCount - (c.members.length - members.length) });
    }
  }

  return {
    /** My conversations as the server lists them, less any forgotten since the request went out. */
    async fetchConversationList(): Promise<Conversation[]> {
      const asOf = forgettings;
      const { conversations: list } = await api.conversations();
      return list.filter((c) => (forgottenAt.get(c.id) ?? 0) <= asOf);
    },
    /** Group admins only; everyone in the conversation hears of it (`conversation:updated`). */
    async addMembers(cid: string, userIds: string[]): Promise<Conversation> {
      const { conversation } = await api.addMembers(cid, { userIds });
      applyConversation(conversation);
      return conversation;
    },
    applyConversation,
    removeMember,
    leave: (cid: string): Promise<void> => removeMember(cid, me()),
    async startDirect(userId: string): Promise<Conversation> {
      const { conversation } = await api.createConversation({ kind: "direct", userId });
      conversations.upsert(conversations.byId(conversation.id) ?? conversation);
      presence.seed([conversation]);
      return conversation;
    },
    async createGroup(
      title: string,
      memberIds: string[],
      channel: { visibility?: Visibility; topic?: string | null } = {},
    ): Promise<Conversation> {
      const { conversation } = await api.createConversation({ kind: "group", title, memberIds, ...channel });
      conversations.upsert(conversation);
      presence.seed([conversation]);
      return conversation;
    },
  };
}
