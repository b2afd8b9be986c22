import type { Conversation } from "@messenger/protocol";
import type { ConversationsState } from "../stores/conversations";

/**
 * What a conversation adds to the app icon's badge, as its notification settings weigh it: every
 * unread message at level `all` (and in a direct conversation), only mentions of me at `mentions`,
 * and only mentions when muted or at `none`.
 */
export function badgeWeight(c: Conversation): number {
  const { level, muted } = c.notifications;
  if (muted || level === "none") return c.mentionCount;
  if (level === "mentions" && c.kind !== "direct") return c.mentionCount;
  return c.unreadCount;
}

export function badgeCount(state: ConversationsState): number {
  let n = 0;
  for (const c of Object.values(state)) n += badgeWeight(c);
  return n;
}
