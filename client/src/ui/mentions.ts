// @mentions as text: the word being typed after an `@` (what the composer suggests for), the
// suggestions from a conversation's members plus @channel / @here, putting the chosen one in, and
// finding mentions in a message body (to highlight them, and whether a message mentions me).
import type { Conversation, Message, User } from "@messenger/protocol";

/** Mentions that reach everyone in the conversation (`@all` is read like `@channel`). */
export const CHANNEL_MENTIONS = ["channel", "here"] as const;
export type ChannelMention = (typeof CHANNEL_MENTIONS)[number];
const EVERYONE = new Set(["channel", "here", "all"]);

/** A username as the protocol allows it (a-z, 0-9, '.', '_', '-'). */
const NAME_CHARS = "[a-z0-9._-]";
const MENTION_RE = new RegExp(`(^|[^\\w@.])@(${NAME_CHARS}{1,32})`, "gi");

/** The `@word` that ends at the caret, if any: where it starts (the `@`) and what is typed after it. */
export function mentionQueryAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = new RegExp(`(^|\\s|[(\\[{"'])@(${NAME_CHARS}{0,32})$`, "i").exec(before);
  if (!m) return null;
  return { start: before.length - m[2]!.length - 1, query: m[2]!.toLowerCase() };
}

export type MentionSuggestion = { kind: "user"; user: User } | { kind: "channel"; name: ChannelMention };

/** What `@query` may mean in `c`: members (not me) whose username or a word of their name starts with it, then @channel/@here. */
export function mentionSuggestions(c: Conversation, query: string, me: string, max = 8): MentionSuggestion[] {
  const q = query.toLowerCase();
  const starts = (u: User) =>
    u.username.toLowerCase().startsWith(q) ||
    u.displayName
      .toLowerCase()
      .split(/\s+/)
      .some((w) => w.startsWith(q));
  const people: MentionSuggestion[] = c.members
    .map((m) => m.user)
    .filter((u) => u.id !== me && starts(u))
    .sort((a, b) => a.displayName.localeCompare(b.displayName))
    .map((user) => ({ kind: "user", user }));
  const everyone: MentionSuggestion[] =
    c.kind === "group"
      ? CHANNEL_MENTIONS.filter((n) => n.startsWith(q)).map((name) => ({ kind: "channel", name }))
      : [];
  return [...people.slice(0, max - everyone.length), ...everyone];
}

/** The word a suggestion puts after the `@`. */
export const mentionName = (s: MentionSuggestion) => (s.kind === "user" ? s.user.username : s.name);

/**
 * Replaces the `@query` from `start` to `caret` (and the rest of that name after the caret) by
 * `@name`, with a space after it unless punctuation or a space follows; says where the caret goes.
 */
export function insertMention(text: string, start: number, caret: number, name: string) {
  const rest = text.slice(caret).replace(new RegExp(`^${NAME_CHARS}*`, "i"), "");
  const insert = `@${name}${rest === "" || /^[\p{L}\p{N}]/u.test(rest) ? " " : ""}`;
  return { text: text.slice(0, start) + insert + rest, caret: start + insert.length };
}

export interface MentionPart {
  text: string;
  /** The name mentioned (lower case), when this part is an `@name`. */
  mention?: string;
}

/** Splits text into plain runs and `@name` tokens (rendered as text, never HTML). */
export function splitMentions(text: string): MentionPart[] {
  const parts: MentionPart[] = [];
  let last = 0;
  for (const m of text.matchAll(MENTION_RE)) {
    const at = (m.index ?? 0) + m[1]!.length;
    // A trailing dot ends the sentence, not the name.
    const name = m[2]!.replace(/[.]+$/, "");
    if (!name) continue;
    if (at > last) parts.push({ text: text.slice(last, at) });
    parts.push({ text: `@${name}`, mention: name.toLowerCase() });
    last = at + name.length + 1;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/** Is `name` (from `@name`) me, or everyone? */
export const mentionTargetsMe = (name: string, myUsername: string) =>
  EVERYONE.has(name) || name === myUsername.toLowerCase();

/** Does `m` mention me (or everyone), as the server parsed it (members only)? My own messages never do. */
export function mentionsMe(m: Message, me: string): boolean {
  if (m.senderId === me || m.deletedAt || m.kind === "system") return false;
  return m.mentions.channel || m.mentions.userIds.includes(me);
}
