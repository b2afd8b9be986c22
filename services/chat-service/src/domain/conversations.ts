import { withTransaction } from "@messenger/common";
import type { Conversation, Member, MembersQuery, MembersResponse, Message, User } from "@messenger/protocol";
import type { CoreDeps } from "../core-deps.js";
import { archived, badRequest, notFound, notGroup } from "../errors.js";
import { spend } from "../limits.js";
import type { ConversationRow, MemberRow, Position } from "../store/index.js";
import { decodeCursor, encodeCursor } from "./member-cursor.js";
import { settingsOf } from "./notifications.js";
import { createSystemMessages } from "./system-messages.js";
import { toUsers } from "./users.js";

/** A member as the API shows them; `position` is what a big conversation's positions row adds (migration 006). */
const toMember = (m: MemberRow, user: User, position?: Position): Member => ({
  user,
  role: m.role,
  lastReadSeq: Math.max(m.last_read_seq, position?.read ?? 0),
  lastDeliveredSeq: Math.max(m.last_delivered_seq, position?.delivered ?? 0),
});

/**
 * A conversation as everyone sees it; unread, mentions and notifications depend on the viewer. A
 * big one's members are not part of it (the viewer gets only themselves): they come in pages.
 */
interface ConversationView {
  row: ConversationRow;
  big: boolean;
  members: Member[];
  lastMessage: Message | null;
  memberRows: Map<string, MemberRow>;
  /** Per member with unread messages: how many system messages lie at or before their read position. */
  systemAtRead: Map<string, number>;
  /** Per member of a big conversation with mentions counted: those after their read position. */
  mentionsAfterRead: Map<string, number>;
}

export function createConversationService(deps: CoreDeps) {
  const { db, stores, access, hub, presence, metrics, sizes } = deps;
  const system = createSystemMessages(deps);

  /**
   * What unread and mentionCount need beyond the rows: per member with unread messages in a
   * conversation with notices, how many notices lie up to their read position (one index probe
   * each); per member of a big conversation whose mention counter is not zero, how many mentions
   * lie after it (a big conversation's reads move its positions row, not the counter's member row).
   */
  async function readProbes(
    rows: ConversationRow[],
    members: Map<string, Map<string, { row: MemberRow; read: number }>>,
  ) {
    const byId = new Map(rows.map((r) => [r.id, r]));
    const systemProbes: { conversationId: string; seq: number }[] = [];
    const mentionProbes: { conversationId: string; userId: string; seq: number }[] = [];
    for (const [cid, ofConv] of members) {
      const c = byId.get(cid)!;
      for (const { row, read } of ofConv.values()) {
        if (c.system_count > 0 && read < c.last_seq) systemProbes.push({ conversationId: cid, seq: read });
        if (sizes.isBigCount(c.member_count) && row.mention_count > 0)
          mentionProbes.push({ conversationId: cid, userId: row.user_id, seq: read });
      }
    }
    const [systemUpTo, mentionsAfter] = await Promise.all([
      stores.systemMessages.countsUpTo(systemProbes),
      stores.mentions.countsAfter(mentionProbes),
    ]);
    return { systemUpTo, mentionsAfter };
  }

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
    const rowsOf = new Map<string, Map<string, { row: MemberRow; read: number }>>();
    for (const m of memberRows) {
      const read = Math.max(m.last_read_seq, positions.get(m.conversation_id)?.get(m.user_id)?.read ?? 0);
      const own = rowsOf.get(m.conversation_id) ?? new Map<string, { row: MemberRow; read: number }>();
      own.set(m.user_id, { row: m, read });
      rowsOf.set(m.conversation_id, own);
      const user = users.get(m.user_id);
      if (!user) continue;
      const list = membersOf.get(m.conversation_id) ?? [];
      list.push(toMember(m, user, positions.get(m.conversation_id)?.get(m.user_id)));
      membersOf.set(m.conversation_id, list);
    }
    const { systemUpTo, mentionsAfter } = await readProbes(rows, rowsOf);
    return rows.map((row) => {
      const own = rowsOf.get(row.id) ?? new Map();
      const systemAtRead = new Map<string, number>();
      const mentionsAfterRead = new Map<string, number>();
      for (const [userId, { read }] of own) {
        const s = systemUpTo.get(`${row.id}:${read}`);
        if (s !== undefined) systemAtRead.set(userId, s);
        const n = mentionsAfter.get(`${row.id}:${userId}`);
        if (n !== undefined) mentionsAfterRead.set(userId, n);
      }
      return {
        row,
        big: isBig(row),
        members: membersOf.get(row.id) ?? [],
        lastMessage: last.get(row.id) ?? null,
        memberRows: new Map([...own].map(([u, x]) => [u, x.row])),
        systemAtRead,
        mentionsAfterRead,
      };
    });
  }

  function forViewer(v: ConversationView, viewerId: string): Conversation {
    const me = v.members.find((m) => m.user.id === viewerId);
    const myRow = v.memberRows.get(viewerId);
    // Sending advances the sender's own read position, so this is exactly "messages after my read
    // position not sent by me", less the notices after it (the conversation's count minus those up
    // to my position: one index probe), in O(1).
    const after = Math.max(0, v.row.last_seq - (me?.lastReadSeq ?? v.row.last_seq));
    const systemAfter = after === 0 ? 0 : v.row.system_count - (v.systemAtRead.get(viewerId) ?? 0);
    const unreadCount = Math.max(0, after - systemAfter);
    // The counter kept on send and reset on read (migration 007); in a big conversation, recounted.
    const mentionCount =
      after === 0 ? 0 : v.big ? (v.mentionsAfterRead.get(viewerId) ?? 0) : (myRow?.mention_count ?? 0);
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
      mentionCount,
      visibility: v.row.visibility,
      topic: v.row.topic,
      archived: v.row.archived,
      notifications: settingsOf(myRow ?? { notify_level: null, muted: false }, v.row.kind, v.row.member_count),
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
        // Only the opener's devices: the other person hears of it with its first message.
        const [view] = await views([row], userId);
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
      const found = await access.visibleUsers(creatorId, others);
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
      const found = await access.visibleUsers(actorId, wanted);
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
