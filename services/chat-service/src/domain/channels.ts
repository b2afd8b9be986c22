import { withTransaction } from "@messenger/common";
import type {
  ChannelsQuery,
  ChannelsResponse,
  Conversation,
  Message,
  NotificationsBody,
  SystemInfo,
  UpdateConversationBody,
} from "@messenger/protocol";
import type { CoreDeps } from "../core-deps.js";
import { archived, badRequest, notFound, notGroup } from "../errors.js";
import { spend } from "../limits.js";
import type { GroupChanges } from "../store/index.js";
import type { ConversationService } from "./conversations.js";

const encodeCursor = (c: { sort_title: string; id: string }) =>
  Buffer.from(JSON.stringify([c.sort_title, c.id])).toString("base64url");
function decodeCursor(cursor: string): { sortTitle: string; id: string } {
  try {
    const [sortTitle, id] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as [unknown, unknown];
    if (typeof sortTitle !== "string" || typeof id !== "string" || !/^[0-9a-f-]{36}$/.test(id))
      throw new Error("bad cursor");
    return { sortTitle, id };
  } catch {
    throw badRequest("cursor: not one this server gave out");
  }
}

/**
 * Public and private groups as channels: browsing and joining public ones, an admin's changes
 * (title, topic, visibility, archive) with their timeline notices, and each member's notification
 * settings.
 */
export function createChannelService(deps: CoreDeps, conversations: ConversationService) {
  const { db, stores, access, hub } = deps;
  const { system } = conversations;

  const service = {
    async browse(userId: string, q: ChannelsQuery): Promise<ChannelsResponse> {
      await access.requireNotGuest(userId);
      const after = q.cursor ? decodeCursor(q.cursor) : null;
      const rows = await stores.channels.browse(userId, q.q, after, q.limit + 1);
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        channels: page.map((c) => ({
          id: c.id,
          title: c.title,
          topic: c.topic,
          memberCount: c.member_count,
          joined: c.joined,
        })),
        nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null,
      };
    },

    /**
     * Joins a public group (a private one answers 404, as to any non-member; a member just gets it;
     * a guest, who joins only what they are added to, 403).
     * The joiner reads the whole history, and every member, the joiner's other devices too, hears of it.
     */
    async join(conversationId: string, userId: string): Promise<Conversation> {
      if (await stores.conversations.findMember(conversationId, userId))
        return conversations.get(conversationId, userId);
      await access.requireNotGuest(userId);
      await spend(deps.limits.joinsPerUser, userId, "too many channels joined, try again later");
      const notice = await withTransaction(db, async (tx) => {
        const conv = await stores.conversations.lockForUpdate(conversationId, tx);
        if (conv?.kind !== "group" || conv.visibility !== "public") throw notFound("conversation");
        if (conv.archived) throw archived();
        return service.addWithNotice(conversationId, userId, tx);
      });
      if (notice) await service.announceJoin(conversationId, userId, notice);
      return conversations.get(conversationId, userId);
    },

    /** In `tx`, holding the conversation's lock: adds the member and writes "joined" (null: already in). */
    async addWithNotice(conversationId: string, userId: string, tx: Parameters<typeof system.post>[2]) {
      const added = await stores.conversations.addMembers(conversationId, [userId], "member", tx);
      if (added.length === 0) return null;
      return system.post(conversationId, { event: "joined", actorId: userId, userIds: [userId] }, tx);
    },

    /** After commit: the joiner's sockets join the room, everyone gets the conversation and the notice. */
    async announceJoin(conversationId: string, userId: string, notice: Message): Promise<void> {
      hub.joinConversation([userId], conversationId);
      await conversations.publishUpdated(conversationId);
      system.publish([notice]);
    },

    /** An admin's PATCH. While archived, only unarchiving (with any other change) is allowed. */
    async update(conversationId: string, actorId: string, body: UpdateConversationBody): Promise<Conversation> {
      await access.requireAdmin(conversationId, actorId);
      const changes = body as GroupChanges;
      const notices = await withTransaction(db, async (tx) => {
        const conv = await stores.conversations.lockForUpdate(conversationId, tx);
        if (!conv) throw notFound("conversation");
        if (conv.kind !== "group") throw notGroup();
        if (conv.archived && changes.archived !== false) throw archived();
        const before = await stores.channels.update(conversationId, changes, tx);
        if (!before) throw notFound("conversation");
        const events: Omit<SystemInfo, "actorId">[] = [];
        if (changes.archived === false && before.archived) events.push({ event: "unarchived", userIds: [] });
        if (changes.title !== undefined && changes.title !== before.title)
          events.push({ event: "renamed", userIds: [], text: changes.title });
        if (changes.topic !== undefined && changes.topic !== before.topic)
          events.push({ event: "topic", userIds: [], text: changes.topic });
        if (changes.archived === true && !before.archived) events.push({ event: "archived", userIds: [] });
        const out: Message[] = [];
        for (const e of events) out.push(await system.post(conversationId, { ...e, actorId }, tx));
        return out;
      });
      await conversations.publishUpdated(conversationId);
      system.publish(notices);
      return conversations.get(conversationId, actorId);
    },

    /** My settings for one conversation; my other devices hear of them at once. */
    async setNotifications(conversationId: string, userId: string, body: NotificationsBody): Promise<Conversation> {
      await access.requireMember(conversationId, userId);
      if (!(await stores.channels.setNotifications(conversationId, userId, body.level, body.muted)))
        throw notFound("conversation");
      const conversation = await conversations.get(conversationId, userId);
      hub
        .toUsers([userId])
        .emit("conversation:notifications", { conversationId, notifications: conversation.notifications });
      return conversation;
    },
  };
  return service;
}
export type ChannelService = ReturnType<typeof createChannelService>;
