import { withTransaction } from "@messenger/common";
import type { Conversation, Member, MembersQuery, MembersResponse, Message, User } from "@messenger/protocol";
import type { CoreDeps } from "../core-deps.js";
import { badRequest, notFound, notGroup } from "../errors.js";
import { spend } from "../limits.js";
import type { ConversationRow, MemberRow, Position } from "../store/index.js";
import { decodeCursor, encodeCursor } from "./member-cursor.js";
import { toUsers } from "./users.js";

/** A member as the API shows them; `position` is what a big conversation's positions row adds (migration 006). */
const toMember = (m: MemberRow, user: User, position?: Position): Member => ({
  user,
  role: m.role,
  lastReadSeq: Math.max(m.last_read_seq, position?.read ?? 0),
  lastDeliveredSeq: Math.max(m.last_delivered_seq, position?.delivered ?? 0),
});

/**
 * A conversation as everyone sees it; only unreadCount depends on the viewer. A big one's members
 * are not part of it (the viewer gets only themselves): they come in pages.
 */
interface ConversationView {
  row: ConversationRow;
  big: boolean;
  members: Member[];
  lastMessage: Message | null;
}

export function createConversationService(deps: CoreDeps) {
  const { db, stores, access, hub, presence, metrics, sizes } = deps;

  /**
   * Views of these conversations. With `viewerId` (the list, one conversation) a big conversation
   * loads only the viewer's member row; without (an event to every member) it loads them all.
   */
  async function views(rows: ConversationRow[], viewerId?: string): Promise<ConversationView[]> {
    if (rows.length === 0) return [];
    const isBig = (r: ConversationRow) => sizes.isBigCount(r.member_count);
    const everyone = viewerId === undefined ? rows : rows.filter((r) => !isBig(r));
    const [allRows, ownRows, lastRows] = await Promise.all([
      stores.conversations.membersOf(everyone.map((r) => r.id)),
      viewerId === undefined
        ? []
        : stores.conversations.membershipsOf(
            rows.filter(isBig).map((r) => r.id),
            viewerId,
          ),
      stores.messages.lastMessages(rows),
    ]);
    const memberRows = [...allRows, ...ownRows];
    // What receipts moved in big conversations (or in ones that were big once).
    const positions =
      viewerId === undefined
        ? new Map(
            await Promise.all(rows.map(async (r) => [r.id, await stores.positions.ofMembers(r.id, null)] as const)),
          )
        : new Map(
            [
              ...(await stores.positions.ofUser(
                rows.map((r) => r.id),
                viewerId,
              )),
            ].map(([c, p]) => [c, new Map([[viewerId, p]])] as const),
          );
    const userRows = await stores.users.findByIds([...new Set(memberRows.map((m) => m.user_id))]);
    const users = new Map((await toUsers(userRows, presence)).map((u) => [u.id, u]));
    const last = new Map((await stores.messages.hydrate(lastRows)).map((m) => [m.conversationId, m]));
    const membersOf = new Map<string, Member[]>();
    for (const m of memberRows) {
      const user = users.get(m.user_id);
      if (!user) continue;
      const list = membersOf.get(m.conversation_id) ?? [];
      list.push(toMember(m, user, positions.get(m.conversation_id)?.get(m.user_id)));
      membersOf.set(m.conversation_id, list);
    }
    return rows.map((row) => ({
      row,
      big: isBig(row),
      members: membersOf.get(row.id) ?? [],
      lastMessage: last.get(row.id) ?? null,
    }));
  }

  function forViewer(v: ConversationView, viewerId: string): Conversation {
    const me = v.members.find((m) => m.user.id === viewerId);
    // Sending advances the sender's own read position, so this is exactly
    // "messages after my read position not sent by me", in O(1).
    const unreadCount = Math.max(0, v.row.last_seq - (me?.lastReadSeq ?? v.row.last_seq));
    return {
      id: v.row.id,
      kind: v.row.kind,
      title: v.row.title,
      // A big conversation's members come in pages (GET …/members); the viewer is there for their own role and position.
      members: v.big ? (me ? [me] : []) : v.members,
      ...(v.big ? { large: true } : {}),
      memberCount: v.row.member_count,
      lastSeq: v.row.last_seq,
      lastMessage: v.lastMessage,
      unreadCount,
      mentionCount: 0,
      visibility: "private",
      topic: null,
      archived: false,
      notifications: { level: v.members.length <= 10 ? "all" : "mentions", muted: false },
      createdAt: v.row.created_at.toISOString(),
      lastActivityAt: v.row.last_activity_at.toISOString(),
    };
  }

  /** After commit: tell every member (each with their own unread count). */
  async function publishUpdated(conversationId: string): Promise<void> {
    const row = await stores.conversations.findById(conversationId);
    if (!row) return;
    const [view] = await views([row]);
    if (!view) return;
    const started = performance.now();
    for (const m of view.members) hub.toUsers([m.user.id]).emit("conversation:updated", forViewer(view, m.user.id));
    metrics.fanoutSeconds.observe((performance.now() - started) / 1000);
  }

  const service = {
    forViewer,
    views,
    publishUpdated,

    async list(userId: string): Promise<Conversation[]> {
      const rows = await stores.conversations.listForUser(userId);
      return (await views(rows, userId)).map((v) => forViewer(v, userId));
    },

    /** A page of members in the order they joined; `cursor` is the previous page's `nextCursor`. */
    async members(conversationId: string, userId: string, q: MembersQuery): Promise<MembersResponse> {
      await access.requireMember(conversationId, userId);
      const after = q.cursor ? decodeCursor(q.cursor) : null;
      const rows = await stores.conversations.membersPage(conversationId, after, q.limit + 1);
      const page = rows.slice(0, q.limit);
      const ids = page.map((m) => m.user_id);
      const [userRows, positions] = await Promise.all([
        stores.users.findByIds(ids),
        stores.positions.ofMembers(conversationId, ids),
      ]);
      const users = new Map((await toUsers(userRows, presence)).map((u) => [u.id, u]));
      const members = page.flatMap((m) => {
        const user = users.get(m.user_id);
        return user ? [toMember(m, user, positions.get(m.user_id))] : [];
      });
      const last = page[page.length - 1];
      return { members, nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null };
    },

    async get(conversationId: string, userId: string): Promise<Conversation> {
      await access.requireMember(conversationId, userId);
      const row = await stores.conversations.findById(conversationId);
      if (!row) throw notFound("conversation");
      const [view] = await views([row], userId);
      return forViewer(view!, userId);
    },

    /** Get-or-create: the same conversation from either side, however often or concurrently asked. */
    async openDirect(userId: string, otherId: string): Promise<{ conversation: Conversation; created: boolean }> {
      // A guest reaches only people they already share a conversation with; nobody a deactivated account.
      const [other] = await access.visibleUsers(userId, [otherId]);
      if (!other) throw notFound("user");
      const key = [userId, otherId].sort().join(":");
      const { row, created } = await withTransaction(db, async (tx) => {
        const res = await stores.conversations.upsertDirect(key, userId, tx);
        if (res.created) await stores.conversations.addMembers(res.row.id, [userId, otherId], "member", tx);
        return res;
      });
      if (created) {
        hub.joinConversation([userId, otherId], row.id);
        await publishUpdated(row.id);
      }
      return { conversation: await service.get(row.id, userId), created };
    },

    async createGroup(creatorId: string, title: string, memberIds: string[]): Promise<Conversation> {
      const others = [...new Set(memberIds)].filter((id) => id !== creatorId);
      const found = await access.visibleUsers(creatorId, others);
      if (found.length !== others.length) throw badRequest("memberIds: unknown user");
      await spend(deps.limits.groupsPerUser, creatorId, "too many groups created, try again later");
      const row = await withTransaction(db, async (tx) => {
        const conv = await stores.conversations.insertGroup(title, creatorId, tx);
        await stores.conversations.addMembers(conv.id, [creatorId], "admin", tx);
        await stores.conversations.addMembers(conv.id, others, "member", tx);
        return conv;
      });
      hub.joinConversation([creatorId, ...others], row.id);
      await publishUpdated(row.id);
      return service.get(row.id, creatorId);
    },

    async addMembers(conversationId: string, actorId: string, userIds: string[]): Promise<Conversation> {
      await access.requireAdmin(conversationId, actorId);
      const conv = await stores.conversations.findById(conversationId);
      if (conv?.kind !== "group") throw notGroup();
      const wanted = [...new Set(userIds)];
      const found = await access.visibleUsers(actorId, wanted);
      if (found.length !== wanted.length) throw badRequest("userIds: unknown user");
      const added = await withTransaction(db, (tx) =>
        stores.conversations.addMembers(conversationId, wanted, "member", tx),
      );
      if (added.length) {
        hub.joinConversation(added, conversationId);
        await publishUpdated(conversationId);
      }
      return service.get(conversationId, actorId);
    },

    /** An admin removes someone, or anyone leaves. The last admin leaving hands admin to the longest member. */
    async removeMember(conversationId: string, actorId: string, targetId: string): Promise<void> {
      if (actorId === targetId) await access.requireMember(conversationId, actorId);
      else await access.requireAdmin(conversationId, actorId);
      const conv = await stores.conversations.findById(conversationId);
      if (conv?.kind !== "group") throw notGroup();
      const removed = await withTransaction(db, async (tx) => {
        await stores.conversations.lockForUpdate(conversationId, tx);
        const ok = await stores.conversations.removeMember(conversationId, targetId, tx);
        if (ok) {
          await tx.query(
            `UPDATE conversation_members SET role = 'admin'
             WHERE conversation_id = $1 AND user_id = (
               SELECT user_id FROM conversation_members WHERE conversation_id = $1 ORDER BY joined_at, user_id LIMIT 1)
             AND NOT EXISTS (SELECT 1 FROM conversation_members WHERE conversation_id = $1 AND role = 'admin')`,
            [conversationId],
          );
        }
        return ok;
      });
      if (!removed) throw notFound("member");
      hub.leaveConversation([targetId], conversationId);
      hub.toUsers([targetId]).emit("conversation:removed", { conversationId });
      await publishUpdated(conversationId);
    },
  };
  return service;
}
export type ConversationService = ReturnType<typeof createConversationService>;
