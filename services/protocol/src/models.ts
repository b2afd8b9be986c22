import { z } from "zod";

/** Every id on the wire is a UUID string. */
export const Id = z.uuid();
export type Id = z.infer<typeof Id>;

/** ISO-8601 timestamp as produced by `Date.prototype.toJSON`. */
export const Timestamp = z.string();

/** Workspace roles: the first account is the owner; guests see only the people they share a conversation with. */
export const WorkspaceRole = z.enum(["owner", "admin", "member", "guest"]);
export type WorkspaceRole = z.infer<typeof WorkspaceRole>;

/** A custom status ("🌴 On holiday"); an expired one is never sent. */
export const UserStatus = z.object({
  emoji: z.string(),
  text: z.string(),
  expiresAt: Timestamp.nullable(),
});
export type UserStatus = z.infer<typeof UserStatus>;

export const User = z.object({
  id: Id,
  username: z.string(),
  displayName: z.string(),
  online: z.boolean(),
  lastSeenAt: Timestamp.nullable(),
  role: WorkspaceRole,
  /** Same-origin URL of the square avatar (cookie-authenticated), or null for initials. */
  avatarUrl: z.string().nullable(),
  status: UserStatus.nullable(),
  /** Do not disturb is on now (the others see that; only the user sees until when). */
  dnd: z.boolean(),
  /** The account was deactivated: its messages stay, labelled. */
  deactivated: z.boolean(),
  /** IANA time zone ("Europe/Madrid") for the profile card's local time, or null when not set. */
  timeZone: z.string().nullable(),
});
export type User = z.infer<typeof User>;

export const MemberRole = z.enum(["admin", "member"]);
export type MemberRole = z.infer<typeof MemberRole>;

export const Member = z.object({
  user: User,
  role: MemberRole,
  lastReadSeq: z.number().int().nonnegative(),
  lastDeliveredSeq: z.number().int().nonnegative(),
});
export type Member = z.infer<typeof Member>;

export const AttachmentKind = z.enum(["image", "video", "audio", "file"]);
export type AttachmentKind = z.infer<typeof AttachmentKind>;

export const AttachmentStatus = z.enum(["processing", "ready", "failed"]);
export type AttachmentStatus = z.infer<typeof AttachmentStatus>;

export const Attachment = z.object({
  id: Id,
  conversationId: Id,
  kind: AttachmentKind,
  name: z.string(),
  mime: z.string(),
  size: z.number().int().nonnegative(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  durationMs: z.number().int().nonnegative().optional(),
  status: AttachmentStatus,
  /** Same-origin URL usable directly as `<img src>` / `<video src>` (cookie-authenticated). */
  url: z.string(),
  thumbnailUrl: z.string().optional(),
});
export type Attachment = z.infer<typeof Attachment>;

export const Reaction = z.object({
  emoji: z.string(),
  userIds: z.array(Id),
});
export type Reaction = z.infer<typeof Reaction>;

export const CallOutcome = z.enum(["completed", "missed", "declined", "busy", "failed"]);
export type CallOutcome = z.infer<typeof CallOutcome>;

/** Present on call-log messages (`kind: "call"`). */
export const CallLog = z.object({
  callId: Id,
  video: z.boolean(),
  outcome: CallOutcome,
  durationMs: z.number().int().nonnegative(),
});
export type CallLog = z.infer<typeof CallLog>;

/**
 * What a system message (`kind: "system"`) records; it renders as a one-line notice. The server does
 * not post "created" (a group's timeline starts with its first message; show the beginning from
 * `createdAt`); it is kept for imports and other servers.
 */
export const SystemEvent = z.enum([
  "created",
  "joined",
  "left",
  "added",
  "removed",
  "renamed",
  "topic",
  "archived",
  "unarchived",
]);
export type SystemEvent = z.infer<typeof SystemEvent>;

/** Present on system messages: who did it (`actorId`, also the message's `senderId`) and to whom (`userIds`). */
export const SystemInfo = z.object({
  event: SystemEvent,
  actorId: Id,
  /** added/removed: the members added or removed; joined/left: the actor; otherwise empty. */
  userIds: z.array(Id),
  /** renamed: the new title; topic: the new topic (null when cleared); otherwise absent. */
  text: z.string().nullable().optional(),
});
export type SystemInfo = z.infer<typeof SystemInfo>;

/** Who a message mentions, parsed by the server from the body: `@username` of members, `@channel`/`@here`/`@all`. */
export const Mentions = z.object({
  userIds: z.array(Id),
  /** `@channel`, `@here` or `@all`: every member is mentioned. */
  channel: z.boolean(),
});
export type Mentions = z.infer<typeof Mentions>;

export const MessageKind = z.enum(["text", "call", "system"]);
export type MessageKind = z.infer<typeof MessageKind>;

/** On a thread's root: its replies so far (kept live; see `thread*` in rich.ts). */
export const ThreadSummary = z.object({
  replyCount: z.number().int().nonnegative(),
  lastReplyAt: Timestamp.nullable(),
  /** Who replied, first reply first. */
  participantIds: z.array(Id),
});
export type ThreadSummary = z.infer<typeof ThreadSummary>;

export const Message = z.object({
  id: Id,
  conversationId: Id,
  seq: z.number().int().positive(),
  senderId: Id,
  clientId: z.string(),
  kind: MessageKind,
  body: z.string(),
  attachments: z.array(Attachment),
  replyToId: Id.nullable(),
  reactions: z.array(Reaction),
  call: CallLog.nullable(),
  /** Set exactly when `kind` is "system". System messages take a seq but never count as unread. */
  system: SystemInfo.nullable(),
  mentions: Mentions,
  createdAt: Timestamp,
  editedAt: Timestamp.nullable(),
  deletedAt: Timestamp.nullable(),
  /** A thread reply names its root; the main timeline hides it unless `alsoToConversation`. */
  threadRootId: Id.nullable().optional(),
  alsoToConversation: z.boolean().optional(),
  /** A root with replies (null before the first). */
  thread: ThreadSummary.nullable().optional(),
  pinnedAt: Timestamp.nullable().optional(),
  pinnedBy: Id.nullable().optional(),
});
export type Message = z.infer<typeof Message>;

export const ConversationKind = z.enum(["direct", "group"]);
export type ConversationKind = z.infer<typeof ConversationKind>;

export const Visibility = z.enum(["private", "public"]);
export type Visibility = z.infer<typeof Visibility>;

/** `all`: every message notifies; `mentions`: only mentions of me or the channel (and direct messages); `none`: nothing. */
export const NotificationLevel = z.enum(["all", "mentions", "none"]);
export type NotificationLevel = z.infer<typeof NotificationLevel>;

/**
 * One member's notification settings for one conversation. Until set, the level is `all` for direct
 * conversations and groups of up to 10 members, `mentions` for bigger groups. Muted: dimmed, left out
 * of the title badge, and notifying only of what mentions me (a level of `none` stays silent).
 */
export const NotificationSettings = z.object({ level: NotificationLevel, muted: z.boolean() });
export type NotificationSettings = z.infer<typeof NotificationSettings>;

export const Conversation = z.object({
  id: Id,
  kind: ConversationKind,
  /** Groups have a title; direct conversations have `null` (the client shows the other member's name). */
  title: z.string().nullable(),
  /** Every member; in a `large` conversation only the caller (the rest page: GET /api/conversations/:id/members). */
  members: z.array(Member),
  /** How many members it has (the members panel pages them: GET /api/conversations/:id/members). */
  memberCount: z.number().int().nonnegative(),
  /**
   * More members than the server's BIG_CONVERSATION_MEMBERS: `members` holds only the caller, and a
   * message shows "seen by N" (GET …/messages/:messageId/receipts) instead of per-person ticks.
   */
  large: z.boolean().optional(),
  lastSeq: z.number().int().nonnegative(),
  lastMessage: Message.nullable(),
  /** Messages after the caller's read position (never the caller's own, never system messages). */
  unreadCount: z.number().int().nonnegative(),
  /** Messages after the caller's read position that mention the caller or the channel. */
  mentionCount: z.number().int().nonnegative(),
  /** Direct conversations are always "private". Public groups are listed by GET /api/channels and anyone may join. */
  visibility: Visibility,
  /** Groups only (≤ 250 characters); null when unset and for direct conversations. */
  topic: z.string().nullable(),
  /** Read-only: sends, edits, reactions and joins are refused with error code `archived`. */
  archived: z.boolean(),
  /** The caller's own settings. */
  notifications: NotificationSettings,
  createdAt: Timestamp,
  /** Time of the latest message, or creation time; the list is sorted by it, newest first. */
  lastActivityAt: Timestamp,
});
export type Conversation = z.infer<typeof Conversation>;

export const ErrorCode = z.enum([
  "bad_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "username_taken",
  "invalid_credentials",
  "invalid_refresh_token",
  "too_large",
  "unsupported_type",
  "infected",
  "scanner_unavailable",
  "unscannable",
  "video_limit_exceeded",
  "storage_unavailable",
  "storage_full",
  "origin_not_allowed",
  "rate_limited",
  "invalid_attachment",
  "invalid_thread_root",
  "not_direct",
  "not_group",
  "call_not_found",
  "busy",
  "weak_password",
  "too_many",
  "archived",
  "too_long",
  "registration_closed",
  "invite_invalid",
  "email_domain_not_allowed",
  "email_taken",
  "account_deactivated",
  "password_login_disabled",
  "oidc_failed",
  "internal",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ApiError = z.object({
  code: z.string(),
  message: z.string(),
});
export type ApiError = z.infer<typeof ApiError>;

/** Body of every non-2xx HTTP response. */
export const ErrorResponse = z.object({ error: ApiError });
export type ErrorResponse = z.infer<typeof ErrorResponse>;
