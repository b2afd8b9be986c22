// When a message becomes a push, and what the push says. One function decides (shouldPush), so the
// notification settings (level and mute, issue 13) and do-not-disturb (issue 15) are read in one place.
import type { NotificationLevel } from "@messenger/protocol";
import { defaultLevel, levelAllows } from "../domain/notifications.js";

export type PayloadPolicy = "full" | "sender" | "none";

export interface PushDecisionInput {
  conversationKind: "direct" | "group";
  memberCount: number;
  /** The member's chosen level; null = the default for this kind and size of conversation. */
  level: NotificationLevel | null;
  muted: boolean;
  /** The user is in do-not-disturb. */
  dnd: boolean;
  /** One of the messages names the user or the whole channel. */
  mentioned: boolean;
  /** Some tab of the user is in the foreground (it shows the message itself). */
  focused: boolean;
  /** The user has read past the messages already (on another device, meanwhile). */
  alreadyRead: boolean;
}

/** Whether a new message (or a burst of them) in one conversation is pushed to one member. */
export function shouldPush(i: PushDecisionInput): boolean {
  if (i.focused || i.alreadyRead || i.dnd) return false;
  const level = i.level ?? defaultLevel(i.conversationKind, i.memberCount);
  return levelAllows({
    conversationKind: i.conversationKind,
    settings: { level, muted: i.muted },
    mentioned: i.mentioned,
  });
}

export interface Words {
  newMessage: string;
  newMessages(n: number): string;
  attachment: string;
  calling(name: string): string;
  videoCalling(name: string): string;
  tapToAnswer: string;
  testTitle: string;
  testBody: string;
}

/** The words around a message, in the device's language (its subscription says which). */
const WORDS: Record<"en" | "es", Words> = {
  en: {
    newMessage: "New message",
    newMessages: (n: number) => `${n} new messages`,
    attachment: "Sent an attachment",
    calling: (name: string) => `${name} is calling`,
    videoCalling: (name: string) => `${name} is calling (video)`,
    tapToAnswer: "Tap to answer",
    testTitle: "Notifications work",
    testBody: "This device will be notified of new messages.",
  },
  es: {
    newMessage: "Mensaje nuevo",
    newMessages: (n: number) => `${n} mensajes nuevos`,
    attachment: "Envió un adjunto",
    calling: (name: string) => `${name} te está llamando`,
    videoCalling: (name: string) => `${name} te está llamando (vídeo)`,
    tapToAnswer: "Toca para contestar",
    testTitle: "Las notificaciones funcionan",
    testBody: "Este dispositivo recibirá avisos de mensajes nuevos.",
  },
};

export const wordsFor = (lang: string | null): Words => (lang?.startsWith("es") ? WORDS.es : WORDS.en);

const PREVIEW_MAX = 180;
const preview = (s: string) => (s.length > PREVIEW_MAX ? `${s.slice(0, PREVIEW_MAX - 1)}…` : s);

export interface NotifiedMessage {
  senderName: string;
  body: string;
  hasAttachments: boolean;
}

/**
 * Title and body of a conversation's notification for `count` new messages, the latest `last`,
 * as the workspace's policy allows: the text, only who wrote, or nothing but "New message". Never
 * an attachment's name or URL.
 */
export function notificationText(
  policy: PayloadPolicy,
  w: Words,
  conv: { kind: "direct" | "group"; title: string | null },
  last: NotifiedMessage,
  count: number,
): { title: string; body: string } {
  if (policy === "none") return { title: w.newMessage, body: count > 1 ? w.newMessages(count) : "" };
  const where = conv.kind === "group" && conv.title ? `${last.senderName} · ${conv.title}` : last.senderName;
  const title = count > 1 ? `${where} (${count})` : where;
  if (policy === "sender") return { title, body: count > 1 ? w.newMessages(count) : w.newMessage };
  const text = last.body.trim() ? preview(last.body.trim()) : last.hasAttachments ? w.attachment : w.newMessage;
  return { title, body: text };
}
