import type { Conversation, Message, User } from "@messenger/protocol";

export const ME = "00000000-0000-4000-8000-00000000000a";
export const ANA = "00000000-0000-4000-8000-00000000000b";
export const BEN = "00000000-0000-4000-8000-00000000000c";
export const CONV = "00000000-0000-4000-8000-0000000000c1";

/** A server message as the protocol describes it; seq 1 is at 09:00 and each next one a minute later. */
export function msg(seq: number, over: Partial<Message> = {}): Message {
  return {
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, "0")}`,
    conversationId: CONV,
    seq,
    senderId: ANA,
    clientId: `client-${seq}`,
    kind: "text",
    body: `message ${seq}`,
    attachments: [],
    replyToId: null,
    reactions: [],
    call: null,
    system: null,
    mentions: { userIds: [], channel: false },
    createdAt: new Date(Date.UTC(2026, 0, 5, 9, seq)).toISOString(),
    editedAt: null,
    deletedAt: null,
    ...over,
  };
}

export function user(id: string, name: string): User {
  return {
    id,
    username: name.toLowerCase(),
    displayName: name,
    online: false,
    lastSeenAt: null,
    role: "member",
    avatarUrl: null,
    status: null,
    dnd: false,
    deactivated: false,
    timeZone: null,
  };
}

export function conversation(over: Partial<Conversation> = {}): Conversation {
  return {
    id: CONV,
    kind: "direct",
    title: null,
    members: [
      { user: user(ME, "Me"), role: "member", lastReadSeq: 0, lastDeliveredSeq: 0 },
      { user: user(ANA, "Ana"), role: "member", lastReadSeq: 0, lastDeliveredSeq: 0 },
    ],
    lastSeq: 0,
    lastMessage: null,
    unreadCount: 0,
    memberCount: 2,
    mentionCount: 0,
    visibility: "private",
    topic: null,
    archived: false,
    notifications: { level: "all", muted: false },
    createdAt: new Date(Date.UTC(2026, 0, 5, 8)).toISOString(),
    lastActivityAt: new Date(Date.UTC(2026, 0, 5, 8)).toISOString(),
    ...over,
  };
}
