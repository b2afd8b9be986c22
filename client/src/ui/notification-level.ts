// What a conversation's notification settings mean: which new messages notify (desktop notification
// and sound) and what counts in the tab title's badge.
import type { Conversation, Message } from "@messenger/protocol";
import type { ConversationsState } from "../stores/conversations";
import { mentionsMe } from "./mentions";

/**
 * `all`: every message; `mentions`: only mentions of me or everyone, and direct messages; `none`:
 * nothing. Muted: only mentions. Notices ("Bob left") never notify.
 */
export function shouldNotify(c: Conversation, m: Message, me: string): boolean {
  if (m.kind === "system" || m.senderId === me) return false;
  const { level, muted } = c.notifications;
  const mentioned = mentionsMe(m, me);
  if (level === "none") return false;
  if (muted) return mentioned;
  if (level === "all") return true;
  return mentioned || c.kind === "direct";
}

/** The tab title's count: unread messages, but only the mentions of a muted conversation. */
export function attentionCount(state: ConversationsState): number {
  let n = 0;
  for (const c of Object.values(state)) n += c.notifications?.muted ? c.mentionCount : c.unreadCount;
  return n;
}
