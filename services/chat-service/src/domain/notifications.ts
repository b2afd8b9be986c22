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
 * What a member's level and mute allow, the one rule behind every notification (push, sound,
 * desktop): `none` nothing; muted only what mentions them (by name or the channel); `mentions` what
 * mentions them and, in a direct conversation, everything; `all` everything.
 */
export function levelAllows(i: {
  conversationKind: "direct" | "group";
  settings: NotificationSettings;
  mentioned: boolean;
}): boolean {
  const { level, muted } = i.settings;
  if (level === "none") return false;
  if (muted) return i.mentioned;
  if (level === "mentions") return i.mentioned || i.conversationKind === "direct";
  return true;
}

/**
 * Should this member be told of this message? Never of their own or of system messages; otherwise
 * as their level and mute allow (levelAllows). Push adds its own conditions (focus, already read).
 */
export function shouldNotify(
  member: { userId: string; settings: NotificationSettings },
  conversationKind: "direct" | "group",
  message: Pick<Message, "senderId" | "kind" | "mentions">,
): boolean {
  if (message.senderId === member.userId || message.kind === "system") return false;
  return levelAllows({ conversationKind, settings: member.settings, mentioned: mentions(message, member.userId) });
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
