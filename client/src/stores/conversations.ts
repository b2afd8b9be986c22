import type { Conversation, Message, ReceiptEvent, User } from "@messenger/protocol";
import { createStore } from "./store";

export type ConversationsState = Readonly<Record<string, Conversation>>;

/** Newest activity first: the order of the conversation list. */
export function sortedConversations(state: ConversationsState): Conversation[] {
  return Object.values(state).sort(
    (a, b) => b.lastActivityAt.localeCompare(a.lastActivityAt) || b.createdAt.localeCompare(a.createdAt),
  );
}

export function totalUnread(state: ConversationsState): number {
  let n = 0;
  for (const c of Object.values(state)) n += c.unreadCount;
  return n;
}

export function myMember(c: Conversation, me: string) {
  return c.members.find((m) => m.user.id === me);
}

/**
 * A message arrived (live or by catch-up). Idempotent: only a seq beyond the known `lastSeq`
 * moves the preview and counts as unread, so a message seen twice is counted once.
 * `reading` = the user has this conversation open and visible; it is marked read right away.
 */
export function applyMessage(c: Conversation, m: Message, me: string, reading: boolean): Conversation {
  if (m.seq <= c.lastSeq) {
    // An older copy or a re-delivery: only refresh the preview if it is that message.
    return c.lastMessage?.id === m.id ? { ...c, lastMessage: m } : c;
  }
  const mine = m.senderId === me;
  const readTo = myMember(c, me)?.lastReadSeq ?? 0;
  // Notices ("Bob left") take a seq but are never unread.
  const unread = !mine && !reading && m.seq > readTo && m.kind !== "system";
  const mentioned = unread && (m.mentions?.channel || m.mentions?.userIds.includes(me));
  return {
    ...c,
    lastSeq: m.seq,
    lastMessage: m,
    // ISO strings compare chronologically.
    // biome-ignore lint/complexity/useMathMinMax: strings, not numbers
    lastActivityAt: m.createdAt > c.lastActivityAt ? m.createdAt : c.lastActivityAt,
    unreadCount: unread ? c.unreadCount + 1 : c.unreadCount,
    mentionCount: mentioned ? c.mentionCount + 1 : c.mentionCount,
  };
}

/** Read / delivered positions only move forward; my own read position (maybe from another device) clears unread. */
export function applyReceipt(c: Conversation, r: ReceiptEvent, me: string): Conversation {
  let changed = false;
  const members = c.members.map((mem) => {
    if (mem.user.id !== r.userId) return mem;
    if (r.kind === "read" && r.seq > mem.lastReadSeq) {
      changed = true;
      return { ...mem, lastReadSeq: r.seq, lastDeliveredSeq: Math.max(mem.lastDeliveredSeq, r.seq) };
    }
    if (r.kind === "delivered" && r.seq > mem.lastDeliveredSeq) {
      changed = true;
      return { ...mem, lastDeliveredSeq: r.seq };
    }
    return mem;
  });
  if (!changed) return c;
  let unreadCount = c.unreadCount;
  if (r.userId === me && r.kind === "read") {
    unreadCount = r.seq >= c.lastSeq ? 0 : Math.min(unreadCount, c.lastSeq - r.seq);
  }
  // Which of the unread ones mention me is not known here: no more of them than are unread.
  return { ...c, members, unreadCount, mentionCount: Math.min(c.mentionCount ?? 0, unreadCount) };
}

/** Someone's profile changed (name, status, avatar, role, deactivation): every place they appear shows it. */
export function applyUser(c: Conversation, u: User): Conversation {
  if (!c.members.some((m) => m.user.id === u.id)) return c;
  return {
    ...c,
    members: c.members.map((m) => (m.user.id === u.id ? { ...m, user: { ...u, online: m.user.online } } : m)),
  };
}

export type DeliveryStatus = "sent" | "delivered" | "seen";

/** ✓ sent, ✓✓ delivered to every other member, seen = read by every other member. */
export function deliveryStatus(c: Conversation, seq: number, me: string): DeliveryStatus {
  const others = c.members.filter((m) => m.user.id !== me);
  if (others.length === 0) return "sent";
  if (others.every((m) => m.lastReadSeq >= seq)) return "seen";
  if (others.every((m) => m.lastDeliveredSeq >= seq)) return "delivered";
  return "sent";
}

/** Members other than me who have read up to `seq` (the "seen by" of a group message). */
export function seenBy(c: Conversation, seq: number, me: string) {
  return c.members.filter((m) => m.user.id !== me && m.lastReadSeq >= seq).map((m) => m.user);
}

export function createConversationsStore(me: () => string) {
  const store = createStore<ConversationsState>({});
  const edit = (id: string, fn: (c: Conversation) => Conversation) =>
    store.update((s) => {
      const prev = s[id];
      if (!prev) return s;
      const next = fn(prev);
      return next === prev ? s : { ...s, [id]: next };
    });
  return {
    ...store,
    byId: (id: string): Conversation | undefined => store.get()[id],
    /** The full list from the server (sign-in, reconnect): the server's counts are the truth. */
    setAll: (list: readonly Conversation[]) => store.set(Object.fromEntries(list.map((c) => [c.id, c]))),
    upsert: (c: Conversation) => store.update((s) => ({ ...s, [c.id]: c })),
    remove: (id: string) =>
      store.update((s) => {
        if (!(id in s)) return s;
        const { [id]: _gone, ...rest } = s;
        return rest;
      }),
    applyMessage: (m: Message, reading: boolean) => edit(m.conversationId, (c) => applyMessage(c, m, me(), reading)),
    applyReceipt: (r: ReceiptEvent) => edit(r.conversationId, (c) => applyReceipt(c, r, me())),
    /** I read up to `seq` here (optimistic, before the server echoes the receipt). */
    markRead: (id: string, seq: number) =>
      edit(id, (c) => applyReceipt(c, { conversationId: id, userId: me(), kind: "read", seq }, me())),
    total: () => totalUnread(store.get()),
    applyUser: (u: User) =>
      store.update((s) => {
        let changed = false;
        const next: Record<string, Conversation> = {};
        for (const [id, c] of Object.entries(s)) {
          next[id] = applyUser(c, u);
          changed ||= next[id] !== c;
        }
        return changed ? next : s;
      }),
  };
}
export type ConversationsStore = ReturnType<typeof createConversationsStore>;
