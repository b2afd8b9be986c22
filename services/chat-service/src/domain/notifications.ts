import type { Message, NotificationLevel, NotificationSettings } from "@messenger/protocol";
import type { MemberRow, Stores } from "../store/index.js";

/** Groups up to this size notify of every message until a member chooses otherwise. */
export const ALL_MESSAGES_UP_TO_MEMBERS = 10;

/** The level a member has not chosen: `all` for direct conversations and small groups, `mentions` above. */
export function defaultLevel(kind: "direct" | "group", memberCount: number): NotificationLevel {
  return kind === "direct" || memberCount <= ALL_MESSAGES_UP_TO_MEMBERS ? "all" : "mentions";
}

export function settingsOf(
  member: Pick<MemberRow, "notify_level" | "muted">,
  kind: "direct" | "group",
  memberCount: number,
): NotificationSettings {
  return { level: member.notify_level ?? defaultLevel(kind, memberCount), muted: member.muted };
}

/** Does the message mention this user, by name or as the channel? */
export const mentions = (message: Pick<Message, "mentions">, userId: string): boolean =>
  message.mentions.channel || message.mentions.userIds.includes(userId);

/**
 * Should this member be told of this message (a push, a sound, a desktop notification)? Never of
 * their own or of system messages, never while muted or at `none`; at `mentions` only when it
 * mentions them or the channel, or in a direct conversation; at `all` always.
 */
export function shouldNotify(
  member: { userId: string; settings: NotificationSettings },
  conversationKind: "direct" | "group",
  message: Pick<Message, "senderId" | "kind" | "mentions">,
): boolean {
  if (message.senderId === member.userId || message.kind === "system") return false;
  const { level, muted } = member.settings;
  if (muted || level === "none") return false;
  if (level === "all") return true;
  return conversationKind === "direct" || mentions(message, member.userId);
}

/** The members of the message's conversation who should be notified of it (for push and the like). */
export async function membersToNotify(stores: Stores, message: Message): Promise<string[]> {
  const conv = await stores.conversations.findById(message.conversationId);
  if (!conv) return [];
  const members = await stores.conversations.membersOf([conv.id]);
  return members
    .filter((m) =>
      shouldNotify({ userId: m.user_id, settings: settingsOf(m, conv.kind, members.length) }, conv.kind, message),
    )
    .map((m) => m.user_id);
}
