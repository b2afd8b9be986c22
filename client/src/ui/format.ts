import type { Conversation, Message, User } from "@messenger/protocol";
import type { Translate } from "../i18n";
import { plainText } from "./markdown/markdown";

export function sameDay(a: string, b: string): boolean {
  return new Date(a).toDateString() === new Date(b).toDateString();
}

export function dayLabel(iso: string, t: Translate, locale: string, now = new Date()): string {
  const d = new Date(iso);
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const that = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  const days = Math.round((today.getTime() - that.getTime()) / 86_400_000);
  if (days === 0) return t("chat.today");
  if (days === 1) return t("chat.yesterday");
  return d.toLocaleDateString(locale, {
    weekday: days < 7 ? "long" : undefined,
    day: "numeric",
    month: "long",
    year: d.getFullYear() === now.getFullYear() ? undefined : "numeric",
  });
}

export function timeLabel(iso: string, locale: string): string {
  return new Date(iso).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
}

/** Short time for the conversation list: time today, weekday this week, else date. */
export function listTime(iso: string, locale: string, now = new Date()): string {
  const d = new Date(iso);
  if (d.toDateString() === now.toDateString()) return timeLabel(iso, locale);
  if (now.getTime() - d.getTime() < 6 * 86_400_000) return d.toLocaleDateString(locale, { weekday: "short" });
  return d.toLocaleDateString(locale, { day: "numeric", month: "short" });
}

/** Consecutive messages by one sender within a few minutes show one name and avatar. */
export const GROUP_WINDOW_MS = 5 * 60_000;
export function continuesGroup(prev: Message | undefined, m: Message): boolean {
  if (!prev || prev.senderId !== m.senderId || prev.kind !== "text" || m.kind !== "text") return false;
  if (!sameDay(prev.createdAt, m.createdAt)) return false;
  return Date.parse(m.createdAt) - Date.parse(prev.createdAt) < GROUP_WINDOW_MS;
}

export function typingText(names: string[], t: Translate): string | null {
  if (names.length === 0) return null;
  if (names.length === 1) return t("chat.typing.one", { name: names[0]! });
  if (names.length === 2) return t("chat.typing.two", { a: names[0]!, b: names[1]! });
  return t("chat.typing.many", { count: names.length });
}

export function conversationTitle(c: Conversation, me: string): string {
  if (c.kind === "group") return c.title ?? "";
  return otherMember(c, me)?.displayName ?? c.title ?? "";
}

export function otherMember(c: Conversation, me: string): User | undefined {
  return c.members.find((m) => m.user.id !== me)?.user ?? c.members[0]?.user;
}

export function previewText(m: Message, t: Translate): string {
  if (m.deletedAt) return t("list.deleted");
  if (m.kind === "call") return t("list.call");
  const text = plainText(m.body);
  if (text) return text.slice(0, 120);
  const a = m.attachments[0];
  if (!a) return "";
  return a.kind === "image" ? t("list.photo") : a.kind === "video" ? t("list.video") : t("list.file");
}

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  return ((words[0]?.[0] ?? "?") + (words[1]?.[0] ?? "")).toUpperCase();
}

/** A stable pleasant colour per user for avatars. */
export function avatarHue(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) % 360;
  return h;
}

/** `mm:ss`, or `h:mm:ss` past an hour. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function uploadErrorText(code: string, name: string, detail: string, t: Translate): string {
  switch (code) {
    case "too_large":
      return t("upload.error.too_large", { name });
    case "unsupported_type":
      return t("upload.error.unsupported_type", { name });
    case "infected":
      return t("upload.error.infected", { name, detail });
    case "scanner_unavailable":
      return t("upload.error.scanner_unavailable", { name });
    case "unscannable":
      return t("upload.error.unscannable", { name });
    case "video_limit_exceeded":
      return t("upload.error.video_limit_exceeded", { name, detail });
    case "storage_unavailable":
    case "storage_full":
      return t("upload.error.storage", { name });
    default:
      return t("upload.error.generic", { name, detail });
  }
}

// ---- search results ---------------------------------------------------------------------

const WORD = /-?[\p{L}\p{N}_]+/gu;

/**
 * The words a query matches, as the server reads it (`websearch_to_tsquery('simple', q)`):
 * lower-cased words; quotes group words, `or` joins them, a leading `-` excludes one.
 */
export function searchTerms(query: string): string[] {
  const words = (query.match(WORD) ?? []).filter((w) => !w.startsWith("-") && w.toLowerCase() !== "or");
  return [...new Set(words.map((w) => w.toLowerCase()))];
}

export interface MatchPart {
  text: string;
  match: boolean;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Splits text into runs, marking whole-word occurrences of any term (any case). Rendered as text, never HTML. */
export function highlightMatches(text: string, terms: readonly string[]): MatchPart[] {
  if (terms.length === 0 || !text) return text ? [{ text, match: false }] : [];
  const alternatives = [...terms].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const re = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives.join("|")})(?![\\p{L}\\p{N}_])`, "giu");
  const parts: MatchPart[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    const start = m.index ?? 0;
    if (start > last) parts.push({ text: text.slice(last, start), match: false });
    parts.push({ text: m[0], match: true });
    last = start + m[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), match: false });
  return parts;
}

/** At most about `max` characters of a message, cut around its first match so the match is visible. */
export function matchSnippet(text: string, terms: readonly string[], max = 160): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  let at = 0;
  const parts = highlightMatches(flat, terms);
  for (const p of parts) {
    if (p.match) break;
    at += p.text.length;
  }
  if (at >= flat.length) at = 0; // no match: the beginning
  let start = Math.max(0, Math.min(at - Math.floor(max / 3), flat.length - max));
  // Start and end at a space, so no word is cut in half.
  if (start > 0) start = flat.indexOf(" ", start) + 1 || start;
  let end = Math.min(flat.length, start + max);
  if (end < flat.length) end = flat.lastIndexOf(" ", end) > at ? flat.lastIndexOf(" ", end) : end;
  return `${start > 0 ? "…" : ""}${flat.slice(start, end).trim()}${end < flat.length ? "…" : ""}`;
}

export function membersCountText(count: number, t: Translate): string {
  return t(count === 1 ? "group.membersCount.one" : "group.membersCount", { count });
}

/** What went wrong, in words: the server's message, or that the server cannot be reached. */
export function errorText(err: unknown, t: Translate): string {
  const code = (err as { code?: unknown })?.code;
  if (code === "network" || code === "timeout") return t("error.network");
  const message = (err as { message?: unknown })?.message;
  return typeof message === "string" && message ? message : String(err);
}
