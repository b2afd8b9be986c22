import { withTransaction } from "@messenger/common";
import type { Conversation, Member, MembersQuery, MembersResponse, Message, User } from "@messenger/protocol";
import type { CoreDeps } from "../core-deps.js";
import { archived, badRequest, notFound, notGroup } from "../errors.js";
import { spend } from "../limits.js";
import type { ConversationRow, MemberRow } from "../store/index.js";
import { settingsOf } from "./notifications.js";
import { createSystemMessages } from "./system-messages.js";
import { toUsers } from "./users.js";

// A members page's cursor: where the previous page ended, in join order (opaque to clients).
const encodeCursor = (m: { joined_at_text: string; user_id: string }) =>
  Buffer.from(JSON.stringify([m.joined_at_text, m.user_id])).toString("base64url");
function decodeCursor(cursor: string): { joinedAt: string; userId: string } {
  try {
    const [joinedAt, userId] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as [unknown, unknown];
    if (typeof joinedAt !== "string" || Number.isNaN(Date.parse(joinedAt))) throw new Error("bad cursor");
    if (typeof userId !== "string" || !/^[0-9a-f-]{36}$/.test(userId)) throw new Error("bad cursor");
    return { joinedAt, userId };
  } catch {
    throw badRequest("cursor: not one this server gave out");
  }
}

const toMember = (m: MemberRow, user: User): Member => ({
  user,
  role: m.role,
  lastReadSeq: m.last_read_seq,
  lastDeliveredSeq: m.last_delivered_seq,
});

/** A conversation as everyone sees it; unread, mentions and notifications depend on the viewer. */
interface ConversationView {
  row: ConversationRow;
  members: Member[];
  lastMessage: Message | null;
  memberRows: Map<string, MemberRow>;
  /** Per member with unread messages: how many system messages lie at or before their read position. */
  systemAtRead: Map<string, number>;
}

export function createConversationService(deps: CoreDeps) {
  const { db, stores, access, hub, presence, metrics } = deps;
  const system = createSystemMessages(deps);

  async function views(rows: ConversationRow[]): Promise<ConversationView[]> {
    if (rows.length === 0) return [];
    const memberRows = await stores.conversations.membersOf(rows.map((r) => r.id));
    const userRows = await stores.users.findByIds([...new Set(memberRows.map((m) => m.user_id))]);
    const users = new Map((await toUsers(userRows, presence)).map((u) => [u.id, u]));
    const lastRows = await stores.messages.lastMessages(rows);
    const last = new Map((await stores.messages.hydrate(lastRows)).map((m) => [m.conversationId, m]));
    // Only members with unread messages in conversations with system messages need a probe.
    const byId = new Map(rows.map((r) => [r.id, r]));
    const probes = memberRows
      .filter((m) => {
        const c = byId.get(m.conversation_id)!;
        return c.system_count > 0 && m.last_read_seq < c.last_seq;
      })
      .map((m) => ({ conversationId: m.conversation_id, seq: m.last_read_seq }));
    const systemUpTo = await stores.systemMessages.countsUpTo(probes);
    const membersOf = new Map<string, Member[]>();
    const rowsOf = new Map<string, Map<string, MemberRow>>();
    const systemAtReadOf = new Map<string, Map<string, number>>();
    for (const m of memberRows) {
      const own = rowsOf.get(m.conversation_id) ?? new Map<string, MemberRow>();
      own.set(m.user_id, m);
      rowsOf.set(m.conversation_id, own);
      const counted = systemUpTo.get(`${m.conversation_id}:${m.last_read_seq}`);
      if (counted !== undefined) {
        const at = systemAtReadOf.get(m.conversation_id) ?? new Map<string, number>();
        at.set(m.user_id, counted);
        systemAtReadOf.set(m.conversation_id, at);
      }
      const user = users.get(m.user_id);
      if (!user) continue;
      const list = membersOf.get(m.conversation_id) ?? [];
      list.push(toMember(m, user));
      membersOf.set(m.conversation_id, list);
    }
    return rows.map((row) => ({
      row,
      members: membersOf.get(row.id) ?? [],
      lastMessage: last.get(row.id) ?? null,
      memberRows: rowsOf.get(row.id) ?? new Map(),
      systemAtRead: systemAtReadOf.get(row.id) ?? new Map(),
    }));
  }

  function forViewer(v: ConversationView, viewerId: string): Conversation {
    const me = v.memberRows.get(viewerId);
    // Sending advances the sender's own read position, so this is exactly "messages after my read
    // position not sent by me", less the system messages after it (the conversation's count minus
    // those up to my position, one index probe), in O(1).
    const after = Math.max(0, v.row.last_seq - (me?.last_read_seq ?? v.row.last_seq));
    const systemAfter = after === 0 ? 0 : v.row.system_count - (v.systemAtRead.get(viewerId) ?? 0);
    const unreadCount = Math.max(0, after - systemAfter);
    return {
      id: v.row.id,
      kind: v.row.kind,
      title: v.row.title,
      members: v.members,
      memberCount: v.members.length,
      lastSeq: v.row.last_seq,
      lastMessage: v.lastMessage,
      unreadCount,
      mentionCount: me?.mention_count ?? 0,
      visibility: v.row.visibility,
      topic: v.row.topic,
      archived: v.row.archived,
      notifications: settingsOf(me ?? { notify_level: null, muted: false }, v.row.kind, v.members.length),
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
    system,

    async list(userId: string): Promise<Conversation[]> {
      const rows = await stores.conversations.listForUser(userId);
      return (await views(rows)).map((v) => forViewer(v, userId));
    },

    /** A page of members in the order they joined; `cursor` is the previous page's `nextCursor`. */
    async members(conversationId: string, userId: string, q: MembersQuery): Promise<MembersResponse> {
      await access.requireMember(conversationId, userId);
      const after = q.cursor ? decodeCursor(q.cursor) : null;
      const rows = await stores.conversations.membersPage(conversationId, after, q.limit + 1);
      const page = rows.slice(0, q.limit);
      const users = new Map(
        (await toUsers(await stores.users.findByIds(page.map((m) => m.user_id)), presence)).map((u) => [u.id, u]),
      );
      const members = page.flatMap((m) => {
        const user = users.get(m.user_id);
        return user ? [toMember(m, user)] : [];
      });
      const last = page[page.length - 1];
      return { members, nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null };
    },

    async get(conversationId: string, userId: string): Promise<Conversation> {
      await access.requireMember(conversationId, userId);
      const row = await stores.conversations.findById(conversationId);
      if (!row) throw notFound("conversation");
      const [view] = await views([row]);
      return forViewer(view!, userId);
    },

    /** Get-or-create: the same conversation from either side, however often or concurrently asked. */
    async openDirect(userId: string, otherId: string): Promise<{ conversation: Conversation; created: boolean }> {
      const other = await stores.users.findById(otherId);
      if (!other) throw notFound("user");
      const key = [userId, otherId].sort().join(":");
      const { row, created } = await withTransaction(db, async (tx) => {
        const res = await stores.conversations.upsertDirect(key, userId, tx);
        if (res.created) await stores.conversations.addMembers(res.row.id, [userId, otherId], "member", tx);
        return res;
      });
      if (created) {
        hub.joinConversation([userId, otherId], row.id);
        // Only the opener's devices: the other person hears of it with its first message.
        const [view] = await views([row]);
        if (view) hub.toUsers([userId]).emit("conversation:updated", forViewer(view, userId));
      }
      return { conversation: await service.get(row.id, userId), created };
    },

    async createGroup(
      creatorId: string,
      title: string,
      memberIds: string[],
      opts: { visibility: "private" | "public"; topic: string | null } = { visibility: "private", topic: null },
    ): Promise<Conversation> {
      const others = [...new Set(memberIds)].filter((id) => id !== creatorId);
      const found = await stores.users.findByIds(others);
      if (found.length !== others.length) throw badRequest("memberIds: unknown user");
      await spend(deps.limits.groupsPerUser, creatorId, "too many groups created, try again later");
      // No "created" notice: a group's timeline starts with its first message, as every client and
      // test expects (clients show the beginning from createdAt, as Slack does).
      const row = await withTransaction(db, async (tx) => {
        const conv = await stores.conversations.insertGroup({ title, createdBy: creatorId, ...opts }, tx);
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
      if (conv.archived) throw archived();
      const wanted = [...new Set(userIds)];
      const found = await stores.users.findByIds(wanted);
      if (found.length !== wanted.length) throw badRequest("userIds: unknown user");
      const { added, notice } = await withTransaction(db, async (tx) => {
        const added = await stores.conversations.addMembers(conversationId, wanted, "member", tx);
        const notice = added.length
          ? await system.post(conversationId, { event: "added", actorId, userIds: added }, tx)
          : null;
        return { added, notice };
      });
      if (notice) {
        hub.joinConversation(added, conversationId);
        await publishUpdated(conversationId);
        system.publish([notice]);
      }
      return service.get(conversationId, actorId);
    },

    /** An admin removes someone, or anyone leaves. The last admin leaving hands admin to the longest member. */
    async removeMember(conversationId: string, actorId: string, targetId: string): Promise<void> {
      if (actorId === targetId) await access.requireMember(conversationId, actorId);
      else await access.requireAdmin(conversationId, actorId);
      const conv = await stores.conversations.findById(conversationId);
      if (conv?.kind !== "group") throw notGroup();
      const { removed, notice } = await withTransaction(db, async (tx) => {
        await stores.conversations.lockForUpdate(conversationId, tx);
        const ok = await stores.conversations.removeMember(conversationId, targetId, tx);
        if (!ok) return { removed: false, notice: null };
        await tx.query(
          `UPDATE conversation_members SET role = 'admin'
           WHERE conversation_id = $1 AND user_id = (
             SELECT user_id FROM conversation_members WHERE conversation_id = $1 ORDER BY joined_at, user_id LIMIT 1)
           AND NOT EXISTS (SELECT 1 FROM conversation_members WHERE conversation_id = $1 AND role = 'admin')`,
          [conversationId],
        );
        const event = actorId === targetId ? "left" : "removed";
        const notice = await system.post(conversationId, { event, actorId, userIds: [targetId] }, tx);
        return { removed: true, notice };
      });
      if (!removed) throw notFound("member");
      hub.leaveConversation([targetId], conversationId);
      hub.toUsers([targetId]).emit("conversation:removed", { conversationId });
      await publishUpdated(conversationId);
      if (notice) system.publish([notice]);
    },
  };
  return service;
}
export type ConversationService = ReturnType<typeof createConversationService>;
